//! `check` on a 10,000-jail configuration must take at most three times what `show`
//! takes on it (issue 5). Plain harness: `cargo bench --bench check`.
//! Both run in-process on the same generated tree; `show` = parse + merge + JSON,
//! `check` = parse + lints + recomputing and diffing everything generate would write.

use std::time::{Duration, Instant};

use jailvol::diag::Source;
use jailvol::parse::jailconf::parse_source;
use jailvol::parse::loader::Loader;
use jailvol::plan::Options;

const JAILS: usize = 10_000;
const RUNS: usize = 7;

fn config() -> String {
    let mut s = String::from(
        "# generated: 10,000 jails with containers\n\
         path = \"/jails/$name\";\nhost.hostname = \"$name.example.org\";\n\
         exec.start = \"/bin/sh /etc/rc\";\nexec.stop = \"/bin/sh /etc/rc.shutdown jail\";\n\
         exec.clean;\nmount.devfs;\n$volume_size = 1G;\n\n",
    );
    for i in 0..JAILS {
        s.push_str(&format!(
            "j{i} {{\n\tip4.addr = \"em0|10.{}.{}.{}/16\";\n\t$volume_md_unit = {};\n\tallow.raw_sockets;\n}}\n",
            i / 65536,
            (i / 256) % 256,
            i % 256,
            100 + i
        ));
    }
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let root = tempfile::tempdir().expect("tempdir");
    let loader = Loader::new(Some(root.path().to_path_buf()));
    let text = config();
    std::fs::create_dir_all(root.path().join("etc")).expect("mkdir");
    std::fs::write(root.path().join("etc/jail.conf"), &text).expect("write");
    let opts = Options::default();
    // Bring the tree up to date first, as a config repository would be.
    let parsed = jailvol::parse::jailconf::parse_file(&loader, "/etc/jail.conf").expect("parse");
    let plan = jailvol::plan::generate(&parsed, &opts).expect("generate");
    jailvol::write::apply(&loader, &plan.artifacts, false).expect("apply");
    let current = std::fs::read_to_string(root.path().join("etc/jail.conf")).expect("read");

    let mut show = Vec::new();
    let mut check = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let p = parse_source(&loader, Source::new("/etc/jail.conf", current.clone()), false).expect("parse");
        let cfg = jailvol::model::load(&p);
        let json = jailvol::emit::json::config(&cfg);
        std::hint::black_box(json);
        show.push(t.elapsed());

        let t = Instant::now();
        let p = parse_source(&loader, Source::new("/etc/jail.conf", current.clone()), false).expect("parse");
        let report = jailvol::check::run(&loader, &p, &opts, Some((14, 2)));
        std::hint::black_box(&report);
        check.push(t.elapsed());
        assert!(report.drift.is_empty(), "tree should be up to date");
    }
    let (s, c) = (median(show), median(check));
    let mb = current.len() as f64 / 1e6;
    println!("config: {JAILS} jails, {mb:.2} MB");
    println!("show  (parse + merge + JSON):   {:>8.1} ms", s.as_secs_f64() * 1e3);
    println!("check (parse + lint + drift):   {:>8.1} ms", c.as_secs_f64() * 1e3);
    println!("ratio check/show: {:.2} (goal <= 3.00)", c.as_secs_f64() / s.as_secs_f64());
}
