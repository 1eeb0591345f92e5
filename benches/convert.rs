//! `convert` of 10,000 jails: times `legacy::convert` (and rendering) on generated
//! variables. Plain harness: `cargo bench --bench convert`. Target: under 100 ms.

use std::time::{Duration, Instant};

use jailvol::diag::{Loc, Source};
use jailvol::legacy::{self, Options};
use jailvol::parse::loader::Loader;
use jailvol::parse::rcconf::{RcVar, RcVars};

const JAILS: usize = 10_000;

/// Time this thread has run on a CPU (Linux `/proc/thread-self/schedstat`, ns): on a
/// shared machine wall-clock time also counts waiting for a core.
fn on_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn generate() -> RcVars {
    let mut pairs: Vec<(String, String)> = vec![
        ("jail_enable".into(), "YES".into()),
        ("jail_devfs_enable".into(), "YES".into()),
        ("jail_interface".into(), "em0".into()),
    ];
    let mut list = String::new();
    for i in 0..JAILS {
        let n = format!("j{i}");
        list.push_str(&n);
        list.push(' ');
        pairs.push((format!("jail_{n}_hostname"), format!("{n}.example.org")));
        pairs.push((format!("jail_{n}_rootdir"), format!("/jails/{n}")));
        if i % 2 == 0 {
            pairs.push((
                format!("jail_{n}_ip"),
                format!("10.{}.{}.1/24,2001:db8::{i:x}", i / 256, i % 256),
            ));
            pairs.push((
                format!("jail_{n}_ip_multi0"),
                format!("lo1|127.1.{}.{}", i / 256, i % 256),
            ));
        } else {
            pairs.push((format!("jail_{n}_vnet_interface"), format!("epair{i}b")));
        }
        pairs.push((format!("jail_{n}_exec_prestart0"), format!("echo starting {n}")));
        pairs.push((format!("jail_{n}_exec_poststop0"), format!("echo stopped {n}")));
        pairs.push((format!("jail_{n}_devfs_ruleset"), "4".into()));
        pairs.push((
            format!("jail_{n}_parameters"),
            "allow.raw_sockets=1 securelevel=2".into(),
        ));
    }
    pairs.insert(1, ("jail_list".into(), list));
    let text: String = pairs.iter().map(|(n, v)| format!("{n}=\"{v}\"\n")).collect();
    let src = Source::new("/etc/rc.conf", text);
    let mut vars = jailvol::parse::rcconf::VarMap::default();
    let mut off = 0;
    for (n, v) in pairs {
        let len = n.len() + v.len() + 4;
        vars.insert(
            n.into(),
            RcVar {
                value: v.into(),
                loc: Loc::new(&src, off),
            },
        );
        off += len;
    }
    RcVars {
        vars,
        ..Default::default()
    }
}

fn main() {
    let vars = generate();
    let loader = Loader::new(Some("/nonexistent/jailvol-bench".into()));
    let opts = Options::default();
    let mut best_convert = Duration::MAX;
    let mut best_total = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    let mut bytes = 0;
    for _ in 0..10 {
        let cpu = on_cpu();
        let t = Instant::now();
        let c = legacy::convert(&vars, &loader, &opts);
        let converted = t.elapsed();
        let text = c.render(false);
        let total = t.elapsed();
        if let (Some(a), Some(b)) = (cpu, on_cpu()) {
            best_cpu = best_cpu.min(b.saturating_sub(a));
        }
        assert_eq!(c.blocks.len(), JAILS);
        assert!(c.errors.is_empty());
        bytes = text.len();
        best_convert = best_convert.min(converted);
        best_total = best_total.min(total);
    }
    println!(
        "convert {JAILS} jails: {:.1} ms (convert {:.1} ms + render), {} bytes of jail.conf; best of 10",
        best_total.as_secs_f64() * 1e3,
        best_convert.as_secs_f64() * 1e3,
        bytes
    );
    if best_cpu != Duration::MAX {
        println!(
            "on-CPU time of the same (convert + render): {:.1} ms, best of 10",
            best_cpu.as_secs_f64() * 1e3
        );
    }
    if best_total > Duration::from_millis(100) {
        eprintln!("warning: over the 100 ms target");
    }
}
