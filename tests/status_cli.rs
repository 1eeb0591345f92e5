//! `status` with fake mdconfig/mount/df/jls on PATH: one jail in each state, the table,
//! the JSON, and `--check`. Also the parsers against fixtures/status.

mod common;
#[path = "common/fakegrow.rs"]
mod fakegrow;

use fakegrow::fake;

const M: u64 = 1 << 20;

const CONF: &str = "
www { path = \"@JAILS@/www\"; $volume_size = 32M; $volume_md_unit = 101; }
db { path = \"@JAILS@/db\"; $volume_size = 32M; $volume_md_unit = 102; }
gone { path = \"@JAILS@/gone\"; $volume_size = 32M; $volume_md_unit = 103; }
odd { path = \"@JAILS@/odd\"; $volume_size = 32M; $volume_md_unit = 104; }
bare { path = \"@JAILS@/bare\"; $volume_size = 32M; $volume_md_unit = 105; }
ghost { path = \"@JAILS@/ghost\"; $volume_size = 32M; $volume_md_unit = 106; }
plain { path = \"/jails/plain\"; }
";

/// www: attached, mounted, running; db: detached and stopped, file bigger than
/// configured; gone: no file; odd: unit 104 backed by another file; bare: running on its
/// directory, nothing mounted; ghost: mounted from md106 which is not attached.
fn setup() -> fakegrow::Fake {
    let f = fake(CONF);
    let www = f.container("www.ufs", 32 * M);
    f.container("db.ufs", 40 * M);
    f.container("odd.ufs", 32 * M);
    f.container("bare.ufs", 32 * M);
    f.container("ghost.ufs", 32 * M);
    let other = f.container("other.ufs", 32 * M);
    f.attach(101, &www);
    f.mount(101, &f.path("www"));
    f.run_jail("www", 3);
    f.attach(104, &other);
    f.run_jail("bare", 4);
    f.mount(106, &f.path("ghost"));
    f
}

fn row<'a>(out: &'a str, jail: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{jail} ")))
        .unwrap_or_else(|| panic!("no row for {jail}:\n{out}"))
}

#[test]
fn a_status_word_per_jail_and_exit_0() {
    let f = setup();
    let r = f.jailvol(&["status"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    assert!(out.starts_with("JAIL   STATUS "), "{out}");
    let www = row(out, "www");
    assert!(www.contains(" ok "), "{www}");
    assert!(www.contains(&format!("/dev/md101 on {}", f.path("www"))), "{www}");
    assert!(www.contains(" 402.7M "), "used from df: {www}");
    assert!(www.contains(" 300412 "), "ifree from df: {www}");
    let db = row(out, "db");
    assert!(db.contains(" size-mismatch "), "{db}");
    assert!(db.contains(" 32M ") && db.contains(" 40M "), "{db}");
    assert!(row(out, "gone").contains(" missing "));
    let odd = row(out, "odd");
    assert!(odd.contains(" unit-foreign "), "{odd}");
    assert!(odd.contains(&format!("md104:{}", f.path("other.ufs"))), "{odd}");
    assert!(row(out, "bare").contains(" running-unmounted "));
    assert!(row(out, "ghost").contains(" mounted-without-unit "));
    assert!(!out.contains("plain"), "unmanaged jails are not listed");
    // Read-only: nothing but probes ran.
    assert!(f.actions().is_empty(), "{:?}", f.actions());
    assert!(f.log().contains(&format!("df -k -i {}\n", f.path("www"))));
}

#[test]
fn check_exits_1_on_problems_and_0_when_clean() {
    let f = setup();
    let r = f.jailvol(&["status", "--check"], "");
    assert_eq!(r.code, 1);
    let r = f.jailvol(&["status", "--check", "www"], "");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    let r = f.jailvol(&["status", "plain"], "");
    assert_eq!(r.code, 64);
    assert!(r.stderr.contains("has no $volume_size"));
}

#[test]
fn json_has_every_figure() {
    let f = setup();
    let r = f.jailvol(&["--format", "json", "status"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let jails = v["jails"].as_array().unwrap();
    assert_eq!(jails.len(), 6);
    let www = &jails[0];
    assert_eq!(www["name"], "www");
    assert_eq!(www["status"], "ok");
    assert_eq!(www["running"], true);
    assert_eq!(www["size_configured"], 32 * M);
    assert_eq!(www["size_actual"], 32 * M);
    assert_eq!(www["unit_configured"], 101);
    assert_eq!(www["units_attached"], serde_json::json!([101]));
    assert_eq!(www["mounted_from"], "/dev/md101");
    assert_eq!(www["df"]["inodes_free"], 300412);
    assert_eq!(www["df"]["used_kib"], 412340);
    assert!(www["allocated"].is_u64());
    let db = &jails[1];
    assert_eq!(db["problems"], serde_json::json!(["size-mismatch"]));
    assert_eq!(db["running"], false);
    assert_eq!(db["mounted_from"], serde_json::Value::Null);
    assert_eq!(jails[2]["exists"], false);
    assert_eq!(jails[3]["problems"], serde_json::json!(["unit-foreign"]));
    assert_eq!(v["warnings"], serde_json::json!([]));
}

#[test]
fn an_unreadable_md_list_is_a_warning_not_a_failure() {
    let f = setup();
    let r = f.jailvol(&["--format", "json", "status", "db"], "mdlist");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .contains("cannot list md units"),
        "{v}"
    );
}

#[test]
fn parsers_read_the_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/status");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let units = jailvol::status::parse_md_list(&read("mdconfig-l-v.txt"));
    assert_eq!(units.len(), 3);
    assert_eq!(units[1].file.as_deref(), Some("/jails/www.ufs"));
    assert_eq!(units[2].file.as_deref(), Some("/jails/other.ufs"));
    let mounts = read("mount-p.txt");
    assert_eq!(
        jailvol::status::mount_at(&mounts, "/jails/www").unwrap().device,
        "/dev/md101"
    );
    assert_eq!(
        jailvol::status::mount_at(&mounts, "/jails/a path longer than 24")
            .unwrap()
            .device,
        "/dev/md102"
    );
    let df = jailvol::status::parse_df(&read("df-k-i.txt")).unwrap();
    assert_eq!((df.total_kib, df.inodes_used), (2031132, 12034));
}
