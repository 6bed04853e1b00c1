//! `latchkey`: the vendor's command line for a Latchkey (or any Keygen-compatible) deployment.
//! Everything lives in `shared::cli`; see `docs/API.md`, "CLI".

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(shared::cli::run(args));
}
