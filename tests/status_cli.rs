//! `status` on the FreeBSD model (tests/common/fakebsd): one jail in each state, the
//! table, the JSON and `--check`; a container through a symbolic link; the unit the
//! mountprog style leaves attached on an rc.conf host. Also the parsers against
//! fixtures/status.

mod common;

use std::path::PathBuf;

use common::fakebsd::{Host, jq};

const M: u64 = 1 << 20;

/// www: attached, mounted, running; db: detached and stopped, file bigger than
/// configured; gone: no file; odd: unit 104 backed by another file; bare: running on
/// its directory, nothing mounted; ghost: mounted from md106, which was detached by
/// force; sym: its container reached through a symbolic link, attached, mounted and
/// running; kept: stopped with its unit attached. plain has no container.
struct Setup {
    h: Host,
    conf: PathBuf,
}

const JAILS: [&str; 8] = ["www", "db", "gone", "odd", "bare", "ghost", "sym", "kept"];

fn setup() -> Setup {
    let h = Host::new();
    std::fs::create_dir_all(h.path("usr/home/jails")).unwrap();
    std::os::unix::fs::symlink(h.path("usr/home"), h.path("home")).unwrap();
    let mut text = String::new();
    for (i, j) in JAILS.iter().enumerate() {
        std::fs::create_dir_all(h.path(&format!("jails/{j}"))).unwrap();
        let file = if *j == "sym" {
            h.p("home/jails/sym.ufs")
        } else {
            h.p(&format!("jails/{j}.ufs"))
        };
        text.push_str(&format!(
            "{j} {{ path = {}; $volume_size = 32M; $volume_file = {}; $volume_md_unit = {}; }}\n",
            jq(&h.p(&format!("jails/{j}"))),
            jq(&file),
            101 + i
        ));
    }
    text.push_str(&format!("plain {{ path = {}; }}\n", jq(&h.p("jails/plain"))));
    let conf = h.write("etc/jail.conf", &text);
    let tree = h.make_root("src/tree");
    let file = |j: &str| h.path(&format!("jails/{j}.ufs"));
    for j in ["www", "odd", "bare", "ghost", "kept", "other"] {
        h.make_container(&file(j), 32 * M, Some(&tree));
    }
    h.make_container(&file("db"), 40 * M, None);
    h.make_container(&h.path("home/jails/sym.ufs"), 32 * M, Some(&tree));
    let run = |prog: &str, args: &[&str]| {
        let r = h.run(prog, args);
        assert_eq!(r.code, 0, "{prog} {args:?}: {}", r.stderr);
    };
    let attach = |f: &str, u: &str| run("mdconfig", &["-a", "-t", "vnode", "-f", f, "-u", u]);
    let mount = |u: &str, j: &str| {
        run(
            "mount",
            &["-t", "ufs", &format!("/dev/md{u}"), &h.p(&format!("jails/{j}"))],
        )
    };
    attach(&file("www").display().to_string(), "101");
    mount("101", "www");
    run("jail", &["-f", &conf.display().to_string(), "-c", "www"]);
    attach(&file("other").display().to_string(), "104");
    run("jail", &["-f", &conf.display().to_string(), "-c", "bare"]);
    attach(&file("ghost").display().to_string(), "106");
    mount("106", "ghost");
    run("mdconfig", &["-d", "-u", "106", "-o", "force"]);
    attach(&h.p("home/jails/sym.ufs"), "107");
    mount("107", "sym");
    run("jail", &["-f", &conf.display().to_string(), "-c", "sym"]);
    attach(&file("kept").display().to_string(), "108");
    h.clear_log();
    Setup { h, conf }
}

impl Setup {
    fn status(&self, args: &[&str]) -> common::Run {
        let c = self.conf.display().to_string();
        let mut a = vec!["-f", c.as_str()];
        a.extend_from_slice(args);
        self.h.jailvol(&a)
    }
}

fn row<'a>(out: &'a str, jail: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{jail} ")))
        .unwrap_or_else(|| panic!("no row for {jail}:\n{out}"))
}

#[test]
fn a_status_word_per_jail_and_exit_0() {
    let s = setup();
    let r = s.status(&["status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    assert!(out.starts_with("JAIL   STATUS "), "{out}");
    let www = row(out, "www");
    assert!(www.contains(" ok "), "{www}");
    assert!(www.contains(" yes "), "{www}");
    assert!(
        www.contains(&format!("/dev/md101 on {}", s.h.p("jails/www"))),
        "{www}"
    );
    // df -k -i on the model: 32M, 4096 inodes free.
    assert!(www.contains(" 4096 "), "ifree from df: {www}");
    let db = row(out, "db");
    assert!(db.contains(" size-mismatch "), "{db}");
    assert!(db.contains(" 32M ") && db.contains(" 40M "), "{db}");
    assert!(row(out, "gone").contains(" missing "));
    let odd = row(out, "odd");
    assert!(odd.contains(" unit-foreign "), "{odd}");
    assert!(
        odd.contains(&format!("md104:{}", s.h.p("jails/other.ufs"))),
        "{odd}"
    );
    assert!(row(out, "bare").contains(" running-unmounted "));
    assert!(row(out, "ghost").contains(" mounted-without-unit "));
    // Through the symbolic link: mdconfig shows the realpath, status knows it is this
    // container.
    let sym = row(out, "sym");
    assert!(sym.contains(" ok ") && sym.contains(" md107 "), "{sym}");
    let kept = row(out, "kept");
    assert!(kept.contains(" ok ") && kept.contains(" md108 "), "{kept}");
    assert!(
        out.contains(
            "# kept: md108 stays attached while the jail is stopped: this style has no release hook"
        ),
        "{out}"
    );
    assert!(!out.contains("plain"), "unmanaged jails are not listed");
    // Read-only: nothing but probes ran.
    assert!(
        s.h.log().iter().all(|l| l.starts_with("jls ")
            || l == "mdconfig -l -v"
            || l == "mount -p"
            || l.starts_with("df ")),
        "{:?}",
        s.h.log()
    );
}

#[test]
fn check_exits_1_on_problems_and_0_when_clean() {
    let s = setup();
    let r = s.status(&["status", "--check"]);
    assert_eq!(r.code, 1);
    let r = s.status(&["status", "--check", "www", "sym", "kept"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.stdout.lines().filter(|l| !l.starts_with('#')).count(),
        4,
        "{}",
        r.stdout
    );
    let r = s.status(&["status", "plain"]);
    assert_eq!(r.code, 64);
    assert!(r.stderr.contains("has no $volume_size"));
}

#[test]
fn json_has_every_figure() {
    let s = setup();
    let r = s.status(&["--format", "json", "status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let jails = v["jails"].as_array().unwrap();
    assert_eq!(jails.len(), JAILS.len());
    let www = &jails[0];
    assert_eq!(www["name"], "www");
    assert_eq!(www["status"], "ok");
    assert_eq!(www["running"], true);
    assert_eq!(www["size_configured"], 32 * M);
    assert_eq!(www["size_actual"], 32 * M);
    assert_eq!(www["unit_configured"], 101);
    assert_eq!(www["units_attached"], serde_json::json!([101]));
    assert_eq!(www["mounted_from"], "/dev/md101");
    assert_eq!(www["df"]["total_kib"], 32 * 1024);
    assert_eq!(www["df"]["inodes_free"], 4096);
    assert!(www["allocated"].is_u64());
    let db = &jails[1];
    assert_eq!(db["problems"], serde_json::json!(["size-mismatch"]));
    assert_eq!(db["running"], false);
    assert_eq!(db["mounted_from"], serde_json::Value::Null);
    assert_eq!(jails[2]["exists"], false);
    assert_eq!(jails[3]["problems"], serde_json::json!(["unit-foreign"]));
    let sym = &jails[6];
    assert_eq!(sym["problems"], serde_json::json!([]));
    assert_eq!(sym["units_attached"], serde_json::json!([107]));
    assert_eq!(sym["mounted_from"], "/dev/md107");
    let kept = &jails[7];
    assert_eq!(kept["status"], "ok");
    assert!(
        kept["notes"][0].as_str().unwrap().contains("stays attached"),
        "{kept}"
    );
    assert_eq!(v["warnings"], serde_json::json!([]));
}

#[test]
fn an_unreadable_md_list_is_a_warning_not_a_failure() {
    let s = setup();
    s.h.fail("mdconfig", &["-l"]);
    let r = s.status(&["--format", "json", "status", "db"]);
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

/// An rc.conf host, mountprog style (FreeBSD 10+): the fstab line's helper attaches the
/// container when rc.d/jail starts the jail, and nothing detaches it at stop (rc.d/jail
/// has no exec.release). status reads rc.conf, shows the stopped jail with its unit
/// attached as ok, with a note; grow and the next start work on that state.
#[test]
fn rc_conf_mountprog_leaves_the_unit_attached_and_status_says_so() {
    let h = Host::plain();
    std::fs::create_dir_all(h.path("jails/www")).unwrap();
    let tree = h.make_root("src/tree");
    h.make_container(&h.path("jails/www.ufs"), 32 * M, Some(&tree));
    let rc = h.write(
        "etc/rc.conf",
        &format!(
            "jail_enable=\"YES\"\njail_list=\"www\"\njail_www_rootdir=\"{}\"\njail_www_hostname=\"www\"\n\
             jail_www_fstab=\"{}\"\njail_www_volume_size=\"32M\"\n",
            h.p("jails/www"),
            h.p("etc/fstab.www")
        ),
    );
    let rcs = rc.display().to_string();
    let ok = |r: common::Run, what: &str| {
        assert_eq!(r.code, 0, "{what}:\n{}\n{}", r.stdout, r.stderr);
        r
    };
    ok(
        h.jailvol(&[
            "-f",
            &rcs,
            "generate",
            "--helper",
            &h.p("usr/local/libexec/jailvol-md"),
        ]),
        "generate",
    );
    assert!(
        h.read("etc/fstab.www").contains("mountprog="),
        "{}",
        h.read("etc/fstab.www")
    );
    // What rc.d/jail does for `service jail start www` (parse_options): the legacy
    // variables converted into a jail.conf of their own, then `jail -f CONF -c www`.
    // (The model's `service` cannot find its own jail(8) yet: patch cgs-1.)
    let conv = ok(h.jailvol(&["-f", &rcs, "convert", "www"]), "convert");
    let run_conf = h.write("var/run/jail.www.conf", &conv.stdout);
    assert!(conv.stdout.contains("mount.fstab"), "{}", conv.stdout);
    let file = h.path("jails/www.ufs");
    let start = |what: &str| {
        ok(h.start(&run_conf, "www"), what);
        assert!(h.running("www"), "{what}");
        assert!(h.mounted_at(&h.path("jails/www")).is_some(), "{what}");
    };
    let stop = |what: &str| {
        ok(h.stop(&run_conf, "www"), what);
        assert!(!h.running("www"), "{what}");
    };
    start("first start");
    stop("stop");
    assert!(h.state().mounts.is_empty());
    let units = h.units_of(&file);
    assert_eq!(units.len(), 1, "the unit stays attached: {:?}", h.state().units);
    let u = units[0];
    // status on the rc.conf host.
    let r = ok(h.jailvol(&["-f", &rcs, "status", "--check"]), "status");
    let line = row(&r.stdout, "www");
    assert!(
        line.contains(" ok ") && line.contains(&format!(" md{u} ")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("# www: md{u} stays attached while the jail is stopped")),
        "{}",
        r.stdout
    );
    // The next start reuses the unit.
    start("second start");
    stop("stop again");
    assert_eq!(h.units_of(&file), [u]);
    // grow on that state: the configuration it writes is jail.conf, so it refuses an
    // rc.conf host (convert first) and changes nothing.
    let r = h.jailvol(&["-f", &rcs, "grow", "www", "40M"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 32 * M);
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
    assert_eq!(
        jailvol::status::mount_of(&mounts, "/dev/md102").as_deref(),
        Some("/jails/a path longer than 24")
    );
    let df = jailvol::status::parse_df(&read("df-k-i.txt")).unwrap();
    assert_eq!((df.total_kib, df.inodes_used), (2031132, 12034));
}
