//! Scale: 100,000 machines of which 30,000 are dead. The cull runs tick after tick within the
//! per-invocation statement budget until every dead machine is handled, on the Paid plan's
//! budget (1,000 D1 queries per invocation) and on the Free plan's (50); prints statements per
//! invocation and ticks needed (`cargo test -p shared --test it scale -- --nocapture`).

use serde_json::json;
use shared::service::lifecycle::jobs::{self, Plan, Settings, CRON_CULL};
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::store::Db;

use crate::support::{block, Env, T0};

const MACHINES: i64 = 100_000;
const DEAD: i64 = 30_000;

#[test]
fn cull_of_30k_dead_among_100k_machines_stays_within_the_paid_budget() {
    cull_at_scale(Settings { d1_queries: Plan::Paid.d1_queries(), ..Settings::free(false) }, 50);
}

#[test]
fn cull_of_30k_dead_among_100k_machines_stays_within_the_free_budget() {
    cull_at_scale(Settings::free(false), 200);
}

fn cull_at_scale(settings: Settings, max_ticks: usize) {
    let limit = u64::from(settings.d1_queries);
    let budget = settings.cron_budget();
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "requireHeartbeat": true, "heartbeatDuration": 600}));
    let l = env.license(&admin, &policy, json!({}));
    // 3 in 10 machines last pinged at T0 (dead at T0+11m); the rest at T0+10m (alive).
    let insert = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1) \
        INSERT INTO machines (id, account_id, license_id, product_id, policy_id, fingerprint, last_heartbeat_at, created_at, updated_at) \
        SELECT printf('%08x-0000-4000-8000-%012d', i * 2654435761 % 4294967296, i), ?2, ?3, ?4, ?5, 'fp-' || i, \
        CASE WHEN i % 10 < 3 THEN ?6 ELSE ?6 + 600000 END, ?6, ?6 FROM n";
    block(env.db.execute(
        insert,
        &[MACHINES.into(), l.account_id.clone().into(), l.id.clone().into(), l.product_id.clone().into(), l.policy_id.clone().into(), T0.into()],
    ))
    .unwrap();
    let count = |sql: &str| block(env.db.query(sql, &[])).unwrap()[0]["n"].as_i64().unwrap();
    assert_eq!(count("SELECT count(*) AS n FROM machines"), MACHINES);

    env.clock.set(T0 + 11 * 60_000);
    let mut ticks = 0;
    let mut per_tick = Vec::new();
    loop {
        ticks += 1;
        assert!(ticks <= max_ticks, "the cull must finish");
        let before = env.db.statements.get();
        let r = block(jobs::run(&env.app(), &RecordingHttp::default(), CRON_CULL, &settings));
        let spent = env.db.statements.get() - before;
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        // Every statement the SQLite store ran, counted by the store itself.
        assert!(spent <= u64::from(budget) && spent <= limit, "tick {ticks}: {spent} statements, limit {limit}");
        assert!(spent <= u64::from(r.statements), "the budget reserves at least what the store ran: {spent} > {}", r.statements);
        per_tick.push(spent);
        let cull = &r.jobs[0];
        println!("tick {ticks}: {spent} statements, cull read {} rows, {} events, {} deleted, done {}", cull.rows, cull.events, cull.deleted, r.done());
        if r.done() {
            break;
        }
    }
    println!("cull of {DEAD} dead among {MACHINES} machines: {ticks} ticks, statements per invocation {per_tick:?} (budget {budget}, D1 limit {limit})");
    assert_eq!(count("SELECT count(*) AS n FROM machines"), MACHINES - DEAD);
    assert_eq!(count("SELECT count(*) AS n FROM event_logs WHERE event = 'machine.heartbeat.dead'"), DEAD);
    assert_eq!(count("SELECT count(*) AS n FROM event_logs WHERE event = 'machine.lease.expired'"), DEAD);
    assert_eq!(count("SELECT count(*) AS n FROM event_logs WHERE webhooks_at IS NULL"), 0, "every event was fanned out");
    // And a further tick has nothing to do.
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), CRON_CULL, &settings));
    assert_eq!(r.jobs[0].events, 0);
    assert!(ticks > 1, "30,000 deaths do not fit one invocation's row cap");
}
