//! How `show` grows with the number of jails: time and peak memory of the release binary
//! for 10 to 100,000 jails (issue 8: should be linear). Plain harness:
//! `cargo bench --bench scaling` (needs /usr/bin/time, GNU time, for the peak RSS).

use std::process::Command;
use std::time::Instant;

/// The same shape as benches/show.rs: a `*` block of defaults, then one block per jail.
fn config(n: usize) -> String {
    let mut s = String::from(
        "* {\n\tpath = \"/jails/$name\";\n\thost.hostname = \"$name.example.org\";\n\
         \texec.start = \"/bin/sh /etc/rc\";\n\texec.stop = \"/bin/sh /etc/rc.shutdown jail\";\n\
         \tmount.devfs;\n\texec.clean;\n\tmount.fstab = \"/etc/fstab.${name}\";\n}\n\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "web{i} {{\n\t$id = {};\n\tip4.addr = \"lo1|10.1.{}.${{id}}/32\";\n\t\
             exec.prestart = \"logger starting $name\";\n\tpersist;\n}}\n\n",
            i % 250 + 1,
            (i / 250) % 250
        ));
    }
    s
}

/// Wall time (s) and peak RSS (KiB) of one run.
fn measure(file: &std::path::Path) -> Option<(f64, u64)> {
    let bin = env!("CARGO_BIN_EXE_jailvol");
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(["show", "--jail-conf", "--format", "json", "-f"])
        .arg(file)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    let secs = t.elapsed().as_secs_f64();
    let rss = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()?;
    Some((secs, rss))
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.conf");
    std::fs::write(&empty, "").expect("write");
    let Some((_, base_rss)) = measure(&empty) else {
        eprintln!("/usr/bin/time (GNU time) is needed: apt-get install time");
        return;
    };
    println!(
        "{:>8} {:>10} {:>10} {:>12} {:>10} {:>8}",
        "jails", "input MB", "time ms", "ms/1k jails", "RSS+ MB", "RSS/in"
    );
    for n in [10usize, 100, 1_000, 10_000, 100_000] {
        let file = dir.path().join(format!("{n}.conf"));
        let text = config(n);
        std::fs::write(&file, &text).expect("write");
        let runs: Vec<(f64, u64)> = (0..3).filter_map(|_| measure(&file)).collect();
        let Some(&(secs, rss)) = runs.iter().min_by(|a, b| a.0.total_cmp(&b.0)) else {
            continue;
        };
        let mb = text.len() as f64 / 1e6;
        let extra = rss.saturating_sub(base_rss) as f64 / 1024.0;
        println!(
            "{n:>8} {mb:>10.3} {:>10.1} {:>12.2} {extra:>10.1} {:>8.1}",
            secs * 1e3,
            secs * 1e3 / (n as f64 / 1000.0),
            extra / mb
        );
    }
}
