//! `jailvol vars` against dash on a generated rc.conf of 100,000 lines (62,500
//! variables). Issue 3 target: jailvol takes at most a tenth of dash's time; issue 21:
//! at most 0.02 of it.
//!
//! Run: `cargo bench --bench vars` (times the release binary's
//! `vars -f FILE --format json > /dev/null` and `dash -c '. ./rc.conf'`, alternately,
//! median of `--runs` runs each, 7 by default). `--bin PATH` times another jailvol
//! binary (an older build, for before/after); `--write FILE` also writes the rc.conf.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// 8-line blocks of 5 assignments: double-quoted with a trailing comment, single
/// quoted, unquoted, a `${var:-default}` reference, and a value continued over two
/// lines; then a comment and a blank line.
fn generate() -> String {
    let mut s = String::with_capacity(4 << 20);
    let mut i = 0usize;
    let mut lines = 0;
    while lines < 100_000 {
        s.push_str(&format!(
            "jail_j{i}_hostname=\"host{i}.example.org\"\t# hostname\n"
        ));
        s.push_str(&format!("jail_j{}_rootdir='/jails/j{}'\n", i + 1, i + 1));
        s.push_str(&format!("jail_j{}_devfs_enable=YES\n", i + 2));
        s.push_str(&format!(
            "jail_j{}_ip=\"${{jail_j{}_hostname:-none}} 10.0.{}.{}\"\n",
            i + 3,
            i,
            (i + 3) % 256,
            (i + 3) % 200
        ));
        s.push_str(&format!("jail_j{}_exec_start=\"/bin/sh \\\n  /etc/rc\"\n", i + 4));
        s.push_str(&format!("# comment line {}\n\n", i + 5));
        i += 5;
        lines += 8;
    }
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(mut cmd: Command) -> Option<Duration> {
    let t = Instant::now();
    let st = cmd.stdout(Stdio::null()).status().ok()?;
    let d = t.elapsed();
    st.success().then_some(d)
}

fn main() {
    // The binary cargo built for this bench (`CARGO_TARGET_DIR` honoured).
    let mut bin = PathBuf::from(env!("CARGO_BIN_EXE_jailvol"));
    let mut runs = 7usize;
    let mut write = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bin" => bin = args.next().map(PathBuf::from).unwrap_or(bin),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(runs),
            "--write" => write = args.next(),
            _ => {} // cargo passes --bench
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rc.conf");
    let text = generate();
    std::fs::write(&file, &text).expect("write rc.conf");
    if let Some(w) = write {
        std::fs::write(&w, &text).expect("write --write file");
    }
    let run_jv = |f: &Path| {
        let mut c = Command::new(&bin);
        c.args(["vars", "-f"]).arg(f).args(["--format", "json"]);
        time(c)
    };
    let run_dash = |d: &Path| {
        let mut c = Command::new("dash");
        c.args(["-c", ". ./rc.conf"]).current_dir(d);
        time(c)
    };
    let (mut jv, mut sh) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        jv.push(run_jv(&file).expect("jailvol vars succeeds"));
        sh.push(run_dash(dir.path()).expect("dash runs"));
    }
    let (j, d) = (median(jv), median(sh));
    println!("rc.conf: 100000 lines, 62500 variables; median of {runs} runs, alternated");
    println!(
        "jailvol vars --format json: {:>8.1} ms ({})",
        j.as_secs_f64() * 1e3,
        bin.display()
    );
    println!("dash -c '. ./rc.conf':      {:>8.1} ms", d.as_secs_f64() * 1e3);
    println!(
        "ratio jailvol/dash:         {:>8.3} (issue 21 goal <= 0.02; issue 3: <= 0.1)",
        j.as_secs_f64() / d.as_secs_f64()
    );
}
