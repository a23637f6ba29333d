//! Scheduler decisions at scale: 10,000 pending registrations across 100 apps in a real SQLite
//! file. Prints figures; asserts nothing. Run: `cargo bench -p syncshell-core --bench scheduler`.

use std::error::Error;
use std::time::Instant;

use syncshell_core::clock::{Clock, FakeClock};
use syncshell_core::store::engagement;
use syncshell_core::store::sync_registrations::{Key, Kind};
use syncshell_core::store::Store;
use syncshell_core::sync::hold::Network;
use syncshell_core::sync::parameters::Parameters;
use syncshell_core::sync::rules::{self, Plan, RegisterCall, SitePolicy};

const APPS: usize = 100;
const PER_APP: usize = 100;
const ROUNDS: usize = 1_000;

fn percentiles(mut micros: Vec<f64>) -> (f64, f64) {
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn main() -> Result<(), Box<dyn Error>> {
    let tmp = tempfile::tempdir()?;
    let mut store = Store::open(&tmp.path().join("bench.db"))?;
    let params = Parameters {
        max_registrations_per_origin: 1_000,
        ..Parameters::default()
    };
    let clock = FakeClock::new(1_700_000_000_000);
    let policy = SitePolicy {
        permitted: true,
        enabled: true,
    };

    // Periodic registrations: all pending with future due times, as on an idle desktop.
    let mut register_us = Vec::new();
    let online = Network {
        online: true,
        metered: false,
    };
    for app in 0..APPS {
        let origin = format!("http://127.0.0.1:{}", 20_000 + app);
        let scope = format!("{origin}/");
        // Apps in daily use ("high" engagement): events at the minimum gap.
        engagement::record_launch(store.conn(), &origin, clock.now_ms())?;
        engagement::record_focus(store.conn(), &origin, clock.now_ms(), 3_600_000)?;
        for n in 0..PER_APP {
            let tag = format!("feed-{n}");
            let call = RegisterCall {
                origin: &origin,
                scope: &scope,
                kind: Kind::Periodic,
                tag: &tag,
                // Intervals of 12 h, 12 h, 24 h, 36 h, ...: about 2 per app are due after 12 h.
                min_interval: (n as i64) * 12 * 3_600_000,
            };
            let t = Instant::now();
            rules::register(&mut store, &params, clock.now_ms(), policy, &call)?;
            register_us.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let (p50, p99) = percentiles(register_us);
    println!("register (store + log, one transaction), {} registrations: p50 {p50:.0} us, p99 {p99:.0} us", APPS * PER_APP);

    let mut plan_us = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let Plan { due, next } = rules::plan(&store, &params, clock.now_ms(), online)?;
        plan_us.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(due.is_empty() && next.is_some());
    }
    let (p50, p99) = percentiles(plan_us);
    println!("plan with 10,000 pending, none due: p50 {p50:.0} us, p99 {p99:.0} us");

    // Move time to when the shortest intervals are due.
    clock.advance(12 * 3_600_000);
    let mut plan_us = Vec::new();
    let mut due_count = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let due = rules::plan(&store, &params, clock.now_ms(), online)?.due;
        plan_us.push(t.elapsed().as_secs_f64() * 1e6);
        due_count = due.len();
    }
    let (p50, p99) = percentiles(plan_us);
    println!("plan with 10,000 pending, {due_count} due: p50 {p50:.0} us, p99 {p99:.0} us");

    let mut fire_us = Vec::new();
    let due = rules::plan(&store, &params, clock.now_ms(), online)?.due;
    for r in due.iter().take(ROUNDS) {
        let key: &Key = &r.key;
        let t = Instant::now();
        rules::begin_firing(&mut store, &params, clock.now_ms(), key)?
            .ok_or("a due registration was not handed out")?;
        rules::finish(&mut store, &params, clock.now_ms(), key, None)?
            .ok_or("a fired registration had vanished")?;
        fire_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (p50, p99) = percentiles(fire_us);
    println!("begin_firing + finish per event: p50 {p50:.0} us, p99 {p99:.0} us");
    Ok(())
}
