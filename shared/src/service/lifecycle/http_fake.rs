//! [`RecordingHttp`]: the fake [`HttpClient`] of the native tests. It records every request,
//! answers statuses from a script, and can make chosen URLs hang (yielding to the executor)
//! and then fail as a timeout would, to show that one slow endpoint delays no other delivery.

use std::cell::RefCell;
use std::collections::HashSet;

use super::webhook_delivery::{HttpClient, DELIVERY_TIMEOUT_MS};

/// One request a [`RecordingHttp`] received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Target URL.
    pub url: String,
    /// Headers sent.
    pub headers: Vec<(String, String)>,
    /// Body sent.
    pub body: Vec<u8>,
}

impl Recorded {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A fake [`HttpClient`] that records requests and answers from a script (then 200).
#[derive(Debug, Default)]
pub struct RecordingHttp {
    /// Requests received, in order.
    pub requests: RefCell<Vec<Recorded>>,
    /// Statuses to answer, front first; 200 when empty.
    pub script: RefCell<std::collections::VecDeque<u16>>,
    /// URLs that hang: the request yields to the executor [`SLOW_POLLS`] times, then fails as a
    /// timeout would.
    pub slow: RefCell<HashSet<String>>,
    /// URLs in the order their requests finished.
    pub finished: RefCell<Vec<String>>,
}

/// How many times a [`RecordingHttp`] slow request yields before it times out.
pub const SLOW_POLLS: usize = 100;

/// Yields to the executor once.
struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

impl RecordingHttp {
    /// A client answering `statuses` in turn, then 200.
    pub fn answering(statuses: &[u16]) -> Self {
        Self { script: RefCell::new(statuses.iter().copied().collect()), ..Self::default() }
    }
}

impl RecordingHttp {
    /// Makes requests to `url` hang and then time out.
    pub fn hang(self, url: &str) -> Self {
        self.slow.borrow_mut().insert(url.to_owned());
        self
    }
}

impl HttpClient for RecordingHttp {
    async fn post(&self, url: &str, headers: &[(String, String)], body: &[u8]) -> std::result::Result<(u16, String), String> {
        self.requests.borrow_mut().push(Recorded { url: url.to_owned(), headers: headers.to_vec(), body: body.to_vec() });
        if self.slow.borrow().contains(url) {
            for _ in 0..SLOW_POLLS {
                YieldNow(false).await;
            }
            self.finished.borrow_mut().push(url.to_owned());
            return Err(format!("timed out after {} s", DELIVERY_TIMEOUT_MS / 1000));
        }
        let status = self.script.borrow_mut().pop_front().unwrap_or(200);
        self.finished.borrow_mut().push(url.to_owned());
        Ok((status, format!("status {status}")))
    }
}
