//! `check` on a 10,000-jail configuration must take at most three times what `show`
//! takes on it (issue 5). Plain harness: `cargo bench --bench check`.
//! Both run in-process on the same generated tree; `show` = parse + merge + JSON written
//! jail by jail (what `jailvol show --format json` does), `check` = parse + lints +
//! recomputing and diffing everything generate would write.

use std::time::{Duration, Instant};

use jailvol::diag::Source;
use jailvol::parse::jailconf::parse_source;
use jailvol::parse::loader::Loader;
use jailvol::plan::Options;

const JAILS: usize = 10_000;
const RUNS: usize = 11;

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

/// Counts the bytes written, like `show` writing to a pipe nobody reads.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `jailvol show --format json` does after parsing: load and write jail by jail
/// through a 64 KiB buffer (the same code as benches/show.rs, kept apart so each bench
/// stands alone). Returns the bytes written.
fn show(parsed: &jailvol::parse::jailconf::Parsed) -> usize {
    use jailvol::emit::json;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, Count(0));
    let mut n = 0;
    let mut res = json::write_start(&mut out);
    let errors = jailvol::model::load_each_view(
        parsed,
        |j| {
            if res.is_ok() {
                res = json::write_jail_view(&mut out, j, n == 0);
            }
            n += 1;
        },
        |_| {},
    );
    res = res.and_then(|_| json::write_end(&mut out, n > 0));
    res.expect("write JSON");
    assert!(errors.is_empty(), "bench input rejected");
    out.into_inner().map(|c| c.0).unwrap_or(0)
}

/// The run with the median total.
fn median(mut v: Vec<(Duration, Duration)>) -> (Duration, Duration) {
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

    let mut shows = Vec::new();
    let mut checks = Vec::new();
    // (total, parse) per run: the parse is shared work, so its share says how the ratio
    // moves when the parser gets faster.
    for _ in 0..RUNS {
        let t = Instant::now();
        let p = parse_source(&loader, Source::new("/etc/jail.conf", current.clone()), false).expect("parse");
        let parsed_at = t.elapsed();
        std::hint::black_box(show(&p));
        shows.push((t.elapsed(), parsed_at));
        // `show` exits without freeing the parse; not timed.
        drop(p);

        let t = Instant::now();
        let p = parse_source(&loader, Source::new("/etc/jail.conf", current.clone()), false).expect("parse");
        let parsed_at = t.elapsed();
        let report = jailvol::check::run(
            &loader,
            &p,
            &opts,
            jailvol::check::Settings {
                release: Some((14, 2)),
                containers: true,
            },
        );
        std::hint::black_box(&report);
        checks.push((t.elapsed(), parsed_at));
        assert!(report.drift.is_empty(), "tree should be up to date");
    }
    // Each check against the show run just before it: the machine's speed drifts
    // between runs, less within a pair.
    let mut paired: Vec<f64> = shows
        .iter()
        .zip(&checks)
        .map(|(s, c)| c.0.as_secs_f64() / s.0.as_secs_f64())
        .collect();
    paired.sort_by(f64::total_cmp);
    let (s, c) = (median(shows), median(checks));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mb = current.len() as f64 / 1e6;
    println!("config: {JAILS} jails, {mb:.2} MB, median of {RUNS} runs");
    println!(
        "show  (parse + merge + JSON):   {:>8.1} ms  (parse {:.1}, load + JSON {:.1})",
        ms(s.0),
        ms(s.1),
        ms(s.0 - s.1)
    );
    println!(
        "check (parse + lint + drift):   {:>8.1} ms  (parse {:.1}, check::run {:.1})",
        ms(c.0),
        ms(c.1),
        ms(c.0 - c.1)
    );
    println!(
        "ratio check/show: {:.2} (goal <= 3.00)",
        c.0.as_secs_f64() / s.0.as_secs_f64()
    );
    println!(
        "  per run: median {:.2}, range {:.2}-{:.2}",
        paired[paired.len() / 2],
        paired[0],
        paired[paired.len() - 1]
    );
}
