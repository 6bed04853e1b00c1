//! `latchkey release publish <file> …`: a DRAFT release, an artifact with the file's size and
//! SHA-256, the bytes `PUT` to the signed upload link the `307` names (the redirect is handled
//! here, never re-sent as a POST), a check that the artifact is `UPLOADED`, then publish. On any
//! failure after the release exists, the release this run created is deleted (with its
//! artifact), so a failed run leaves no release behind, published or not.

use std::fs::File;
use std::io::{self, Read};

use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::config::Config;
use super::http::{percent, Api};
use super::output::cell;
use super::{Args, Failure, Outcome};

/// The options `release publish` takes.
const OPTIONS: &[&str] = &["product", "version", "channel", "platform", "arch", "filetype", "package", "tag", "json"];

/// What to publish, from the command line.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    file: String,
    filename: String,
    product: String,
    version: String,
    channel: String,
    platform: Option<String>,
    arch: Option<String>,
    filetype: Option<String>,
    package: Option<String>,
    tag: Option<String>,
}

/// Reads `publish <file> --product … --version … --channel … [--platform …] …`. `filetype`
/// defaults to the filename's extension, as keygen-cli does.
fn plan(a: &mut Args) -> Result<Plan, Failure> {
    let file = a.required("file")?;
    a.only(OPTIONS)?;
    let filename = std::path::Path::new(&file)
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Failure::Usage(format!("`{file}` does not name a file")))?
        .to_owned();
    let own = |k: &str| a.value(k).map(str::to_owned);
    let filetype = own("filetype").or_else(|| filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).filter(|e| !e.is_empty()));
    Ok(Plan {
        product: a.needed("product")?.to_owned(),
        version: a.needed("version")?.to_owned(),
        channel: a.needed("channel")?.to_owned(),
        platform: own("platform"),
        arch: own("arch"),
        filetype,
        package: own("package"),
        tag: own("tag"),
        file,
        filename,
    })
}

/// The size and hex SHA-256 of everything `r` yields, read in 64 KiB chunks (never whole).
///
/// # Errors
/// The reader's I/O error.
pub fn digest(mut r: impl Read) -> io::Result<(u64, String)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok((n, hex::encode(h.finalize()))),
            Ok(k) => {
                h.update(buf.get(..k).unwrap_or_default());
                n += k as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn rel(ty: &str, id: &str) -> Value {
    json!({"data": {"type": ty, "id": id}})
}

/// `POST /releases`: version, channel and tag; product and package.
fn release_body(p: &Plan) -> Value {
    let mut attrs = json!({"version": p.version, "channel": p.channel});
    if let Some(t) = &p.tag {
        attrs["tag"] = t.as_str().into();
    }
    let mut rels = Map::new();
    rels.insert("product".into(), rel("products", &p.product));
    if let Some(k) = &p.package {
        rels.insert("package".into(), rel("packages", k));
    }
    json!({"data": {"type": "releases", "attributes": attrs, "relationships": rels}})
}

/// `POST /artifacts`: filename, size, checksum and the optional platform, arch and filetype.
fn artifact_body(p: &Plan, release: &str, filesize: u64, checksum: &str) -> Value {
    let mut attrs = json!({"filename": p.filename, "filesize": filesize, "checksum": checksum});
    for (k, v) in [("platform", &p.platform), ("arch", &p.arch), ("filetype", &p.filetype)] {
        if let Some(v) = v {
            attrs[k] = v.as_str().into();
        }
    }
    json!({"data": {"type": "artifacts", "attributes": attrs, "relationships": {"release": rel("releases", release)}}})
}

fn id_of(doc: &Value, what: &str) -> Result<String, Failure> {
    doc["data"]["id"].as_str().map(str::to_owned).ok_or_else(|| Failure::Invalid(format!("the API answered a {what} without an id")))
}

fn open(path: &str) -> Result<File, Failure> {
    File::open(path).map_err(|e| Failure::Config(format!("{path}: {e}")))
}

/// `latchkey release publish <file> --product <id> --version <semver> --channel <ch> …`.
pub fn publish(mut a: Args) -> Outcome {
    let p = plan(&mut a)?;
    let (filesize, checksum) = digest(io::BufReader::new(open(&p.file)?)).map_err(|e| Failure::Config(format!("{}: {e}", p.file)))?;
    let api = Api::from_config(&Config::load()?);
    // A taken version is the API's 422 VERSION_TAKEN here, before anything is written.
    let release = id_of(&api.send("POST", "/releases", Some(&release_body(&p)))?, "release")?;
    match upload_and_publish(&api, &p, &release, filesize, &checksum) {
        Ok((artifact, published)) => {
            if a.flag("json") {
                say!("{}", json!({"release": published["data"], "artifact": artifact["data"]}));
            } else {
                let (r, f) = (&published["data"], &artifact["data"]);
                say!(
                    "release: {}\nversion: {}\nchannel: {}\nstatus: {}",
                    cell(&r["id"]),
                    cell(&r["attributes"]["version"]),
                    cell(&r["attributes"]["channel"]),
                    cell(&r["attributes"]["status"])
                );
                say!(
                    "artifact: {}\nfilename: {}\nfilesize: {}\nchecksum: {}",
                    cell(&f["id"]),
                    cell(&f["attributes"]["filename"]),
                    cell(&f["attributes"]["filesize"]),
                    checksum
                );
            }
            Ok(())
        }
        Err(f) => {
            // Leave nothing behind: the release (and its artifact with it) this run created.
            match api.send("DELETE", &format!("/releases/{}", percent(&release)), None) {
                Ok(_) => warn!("deleted the draft release {release} this run created"),
                Err(e) => warn!("could not delete the draft release {release} this run created ({e}); delete it with `latchkey releases delete {release}`"),
            }
            Err(f)
        }
    }
}

/// Creates the artifact, uploads the file to the `307`'s `Location`, checks the artifact is
/// `UPLOADED` and publishes the release; answers the artifact and the published release.
fn upload_and_publish(api: &Api, p: &Plan, release: &str, filesize: u64, checksum: &str) -> Result<(Value, Value), Failure> {
    let (status, location, doc) = api.exchange("POST", "/artifacts", Some(&artifact_body(p, release, filesize, checksum)))?;
    if status >= 400 {
        return Err(api.refused("POST", "/artifacts", status, &doc));
    }
    let link = match (status, location) {
        (307, Some(l)) => api.url(&l),
        (s, _) => return Err(Failure::Invalid(format!("POST /artifacts answered {s} without an upload link"))),
    };
    let artifact = id_of(&doc, "artifact")?;
    let file = open(&p.file)?;
    if file.metadata().map(|m| m.len()).ok() != Some(filesize) {
        return Err(Failure::Invalid(format!("{} changed while it was being published", p.file)));
    }
    api.put_file(&link, file)?;
    let shown = api.send("GET", &format!("/artifacts/{}?prefer=no-download", percent(&artifact)), None)?;
    let state = shown["data"]["attributes"]["status"].as_str().unwrap_or_default();
    if state != "UPLOADED" {
        return Err(Failure::Invalid(format!("artifact {artifact} is {} after the upload, not UPLOADED", if state.is_empty() { "?" } else { state })));
    }
    let published = api.send("POST", &format!("/releases/{}/actions/publish", percent(release)), None)?;
    Ok((shown, published))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Args {
        Args::parse(s.iter().map(|s| (*s).to_owned()).collect()).unwrap()
    }

    #[test]
    fn digest_streams_in_chunks_and_matches_a_one_shot_hash() {
        assert_eq!(digest(&b"abc"[..]).unwrap(), (3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_owned()));
        let big: Vec<u8> = (0..=255u8).cycle().take(200_001).collect();
        assert_eq!(digest(&big[..]).unwrap(), (200_001, hex::encode(Sha256::digest(&big))));
        assert_eq!(digest(io::empty()).unwrap().0, 0);
    }

    #[test]
    fn the_plan_takes_required_options_and_defaults_the_filetype() {
        let p = plan(&mut args(&["dist/app-1.2.0.TAR.GZ", "--product", "p", "--version", "1.2.0", "--channel", "stable", "--arch", "x86_64"])).unwrap();
        assert_eq!((p.filename.as_str(), p.filetype.as_deref(), p.arch.as_deref(), p.platform), ("app-1.2.0.TAR.GZ", Some("gz"), Some("x86_64"), None));
        let p = plan(&mut args(&["app", "--product", "p", "--version", "1", "--channel", "beta", "--filetype", "bin"])).unwrap();
        assert_eq!(p.filetype.as_deref(), Some("bin"));
        assert_eq!(plan(&mut args(&["app", "--product", "p", "--version", "1", "--channel", "c"])).unwrap().filetype, None);
        for bad in [
            &["--product", "p"][..],
            &["f", "--version", "1", "--channel", "c"],
            &["f", "--product", "p", "--version", "1", "--channel", "c", "--nope", "x"],
            &["..", "--product", "p", "--version", "1", "--channel", "c"],
        ] {
            assert!(matches!(plan(&mut args(bad)), Err(Failure::Usage(_))), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_command_line_is_a_plan_or_a_usage_error(argv in proptest::collection::vec("(--)?[a-z./=-]{0,12}", 0..12)) {
            if let Ok(mut a) = Args::parse(argv) {
                if let Ok(p) = plan(&mut a) {
                    proptest::prop_assert!(!p.filename.is_empty() && !p.filename.contains('/'));
                }
            }
        }
    }

    #[test]
    fn bodies_name_the_product_package_release_and_file() {
        let mut p =
            plan(&mut args(&["a.zip", "--product", "p1", "--version", "2.0.0", "--channel", "rc", "--tag", "latest", "--package", "k", "--platform", "macos"]))
                .unwrap();
        let r = release_body(&p);
        assert_eq!(r["data"]["attributes"], json!({"version": "2.0.0", "channel": "rc", "tag": "latest"}));
        assert_eq!(
            r["data"]["relationships"],
            json!({"product": {"data": {"type": "products", "id": "p1"}}, "package": {"data": {"type": "packages", "id": "k"}}})
        );
        let b = artifact_body(&p, "r1", 5, "ab");
        assert_eq!(b["data"]["attributes"], json!({"filename": "a.zip", "filesize": 5, "checksum": "ab", "platform": "macos", "filetype": "zip"}));
        assert_eq!(b["data"]["relationships"]["release"], json!({"data": {"type": "releases", "id": "r1"}}));
        p.package = None;
        p.tag = None;
        assert_eq!(release_body(&p)["data"]["attributes"], json!({"version": "2.0.0", "channel": "rc"}));
        assert!(release_body(&p)["data"]["relationships"].get("package").is_none());
    }
}
