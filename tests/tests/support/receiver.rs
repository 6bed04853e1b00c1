//! A tiny HTTP/1.1 webhook receiver on 127.0.0.1 for the e2e tests: records every request and
//! answers each with a scripted [`Reply`] — a status, a redirect, a hang, or a body that never
//! ends. Loopback only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.1 receiver on 127.0.0.1 answering `script` statuses in turn (then 200).
pub fn receiver(script: Vec<u16>) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let script = Mutex::new(script.into_iter());
    receiver_with(move || Reply::Status(script.lock().unwrap().next().unwrap_or(200), String::new(), "ok".into()))
}

/// How the receiver answers one request.
pub enum Reply {
    /// A status, extra header lines (each ending `\r\n`) and a body.
    Status(u16, String, String),
    /// No answer: the connection is held open for a minute.
    Hang,
    /// A 200 announcing a 10 MB body, of which only `n` bytes are sent before the connection
    /// is held open for a minute: only a reader that stops at its cap finishes.
    Endless(usize),
}

/// A receiver on 127.0.0.1 answering each request with `reply()`.
pub fn receiver_with(reply: impl Fn() -> Reply + Send + 'static) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some((k, v)) = h.trim_end().split_once(':') {
                    headers.push((k.trim().to_owned(), v.trim().to_owned()));
                }
            }
            let len = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            sink.lock().unwrap().push(Received { target, headers, body });
            let hold = match reply() {
                Reply::Status(status, extra, body) => {
                    let _ = write!(stream, "HTTP/1.1 {status} Status\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                    false
                }
                Reply::Hang => true,
                Reply::Endless(n) => {
                    let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n{}", "x".repeat(n));
                    let _ = stream.flush();
                    true
                }
            };
            if hold {
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(60));
                    drop(stream);
                });
            }
        }
    });
    (port, got)
}
