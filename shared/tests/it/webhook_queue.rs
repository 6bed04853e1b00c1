//! The webhook queue consumer's batch run: accounts delivered concurrently (a hanging endpoint
//! does not hold up another account's delivery), a redelivered message sends nothing twice.

use serde_json::json;
use shared::service::lifecycle::jobs::Settings;
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::service::lifecycle::webhook_queue::deliver_batch;
use shared::service::{lifecycle::webhooks, Caller};

use crate::support::{block, Env};

fn hooked_account(env: &Env, url: &str) -> Caller {
    let admin = env.admin();
    env.clock.advance(1000);
    let body = json!({"data": {"type": "webhook-endpoints", "attributes": {"url": url, "subscriptions": ["product.created"]}}}).to_string();
    block(webhooks::create(&env.app(), &admin, webhooks::parse(body.as_bytes(), true, false).unwrap())).unwrap();
    env.product(&admin, "App");
    env.clock.advance(1000);
    admin
}

#[test]
fn a_batch_delivers_its_accounts_concurrently_and_once() {
    let env = Env::new();
    let slow_url = "https://slow.example.com/h";
    let fast_url = "https://fast.example.com/h";
    let slow = hooked_account(&env, slow_url);
    let fast = hooked_account(&env, fast_url);
    let http = RecordingHttp::default();
    http.slow.borrow_mut().insert(slow_url.to_owned());
    let accounts = [slow.account_id(), fast.account_id()];
    let results = block(async { deliver_batch(&env.app(), &http, &accounts, &Settings::free(false)).await });
    assert_eq!(results.into_iter().map(|r| r.unwrap()).collect::<Vec<_>>(), vec![true, true]);
    // Run one after the other, the slow account's attempt would finish first.
    assert_eq!(http.finished.borrow().clone(), vec![fast_url.to_owned(), slow_url.to_owned()]);
    assert_eq!(http.requests.borrow().len(), 2);

    // The same message again (at-least-once): the delivered event is not sent twice, the
    // timed-out one waits for its backoff.
    let again = block(async { deliver_batch(&env.app(), &http, &accounts, &Settings::free(false)).await });
    assert!(again.iter().all(|r| matches!(r, Ok(true))));
    assert_eq!(http.requests.borrow().len(), 2);
}

#[test]
fn a_batch_never_makes_more_deliveries_than_an_invocation_allows() {
    let env = Env::new();
    let settings = Settings::free(false);
    let n = settings.deliveries_per_tick() + 2;
    let admins: Vec<Caller> = (0..n).map(|i| hooked_account(&env, &format!("https://h{i}.example.com/h"))).collect();
    let accounts: Vec<&str> = admins.iter().map(Caller::account_id).collect();
    let http = RecordingHttp::default();
    let results = block(async { deliver_batch(&env.app(), &http, &accounts, &settings).await });
    assert!(http.requests.borrow().len() <= settings.deliveries_per_tick());
    // The statement budget (45 on Free) is shared by the batch; what it could not serve is not
    // acked as done, so those messages are retried until every account is served.
    let mut pending: Vec<&str> = accounts.iter().zip(&results).filter(|(_, r)| !matches!(r, Ok(true))).map(|(a, _)| *a).collect();
    assert!(!pending.is_empty());
    for _ in 0..n {
        if pending.is_empty() {
            break;
        }
        let again = block(async { deliver_batch(&env.app(), &http, &pending, &settings).await });
        pending = pending.iter().zip(&again).filter(|(_, r)| !matches!(r, Ok(true))).map(|(a, _)| *a).collect();
    }
    assert!(pending.is_empty());
    // Each account's one event was posted exactly once.
    assert_eq!(http.requests.borrow().len(), n);
}
