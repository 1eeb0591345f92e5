//! `cargo bench --bench create`: the container allocation against dd(1) on the same
//! filesystem (docs/performance.md, "create: allocation"). Targets: posix_fallocate at
//! least 20x faster than `dd if=/dev/zero bs=1M count=1024`; the zero-fill fallback at
//! least 90% of dd's throughput. Best of three runs each; files are removed between runs
//! and nothing is fsynced (dd does not either). JAILVOL_BENCH_MIB changes the size.

use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use jailvol::exec::{self, Alloc};

fn best(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap_or_default()
}

fn fresh(p: &Path) -> File {
    let _ = std::fs::remove_file(p);
    File::create(p).expect("create the bench file")
}

fn main() {
    let mib: u64 = std::env::var("JAILVOL_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = mib << 20;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch directory");
    let p = dir.path().join("container.ufs");

    let falloc = best(3, || {
        let f = fresh(&p);
        let t = Instant::now();
        let m = exec::allocate(&f, size, Alloc::Full, &mut |_, _| {}).expect("allocate");
        let e = t.elapsed();
        assert_eq!(
            m,
            exec::AllocMethod::Fallocate,
            "this filesystem has no posix_fallocate"
        );
        e
    });
    let zero = best(3, || {
        let f = fresh(&p);
        let t = Instant::now();
        exec::zero_fill(&f, size, &mut |_, _| {}).expect("zero-fill");
        t.elapsed()
    });
    let dd = best(3, || {
        let _ = std::fs::remove_file(&p);
        let t = Instant::now();
        let ok = Command::new("dd")
            .arg("if=/dev/zero")
            .arg(format!("of={}", p.display()))
            .arg("bs=1M")
            .arg(format!("count={mib}"))
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "dd failed");
        t.elapsed()
    });
    let _ = std::fs::remove_file(&p);

    let mibs = |d: Duration| mib as f64 / d.as_secs_f64();
    let speedup = dd.as_secs_f64() / falloc.as_secs_f64().max(1e-9);
    let ratio = mibs(zero) / mibs(dd);
    println!("create allocation, {mib} MiB in {}", dir.path().display());
    println!(
        "  dd bs=1M            {:>10.3} ms  {:>8.0} MiB/s",
        dd.as_secs_f64() * 1e3,
        mibs(dd)
    );
    println!(
        "  posix_fallocate     {:>10.3} ms  {speedup:>8.0}x faster than dd  [{}; target >= 20x]",
        falloc.as_secs_f64() * 1e3,
        if speedup >= 20.0 { "ok" } else { "MISSED" }
    );
    println!(
        "  zero-fill (1 MiB)   {:>10.3} ms  {:>8.0} MiB/s = {:.0}% of dd  [{}; target >= 90%]",
        zero.as_secs_f64() * 1e3,
        mibs(zero),
        ratio * 100.0,
        if ratio >= 0.9 { "ok" } else { "MISSED" }
    );
}
