//! Kinds of host on the FreeBSD model (tests/common/fakebsd/, whose rc.d/jail reads
//! rc.conf with jailvol's own evaluator, sourcing included):
//! - an rc.conf that reads rc.conf.local the usual way (`[ -f F ] && . F`), with the
//!   jail's variables in rc.conf.local: `migrate` reads them, switches the jail to
//!   jail.conf (editing the file that set each variable) and starts it on its
//!   container; a failure rolls both files back byte for byte;
//! - a mixed host (jail.conf and rc.conf jails): what JV042 says is what rc.d/jail does.

mod common;
#[path = "migrate_host/mod.rs"]
mod mhost;

use common::fakebsd::{Host, skip_dash, sq};
use mhost::{Mig, SIZE, UNIT, ok, rolls_back};

/// `Mig::rcconf`, with the jail's variables moved to rc.conf.local, which rc.conf sources.
fn sourced() -> Mig {
    let mut m = Mig::rcconf_on(Host::new());
    let local = m.h.write(
        "etc/rc.conf.local",
        &format!(
            "jail_www_rootdir={}\njail_www_hostname=\"www.example.org\"\n\
             jail_www_ip=\"192.0.2.10\"\njail_www_devfs_enable=\"YES\"\n\
             jail_www_volume_size=\"{SIZE}\"\njail_www_volume_md_unit=\"{UNIT}\"\n",
            sq(&m.root.display().to_string()),
        ),
    );
    let local_q = sq(&local.display().to_string());
    let rc = m.h.write(
        "etc/rc.conf",
        &format!(
            "hostname=\"host.example.org\"\nsshd_enable=\"YES\"\njail_enable=\"YES\"\njail_list=\"www\"\n\
             jail_conf={}\n[ -f {local_q} ] && . {local_q}\n",
            sq(&m.conf.display().to_string()),
        ),
    );
    m.rc = Some(rc);
    m
}

#[test]
fn jail_variables_in_a_sourced_rc_conf_local_are_migrated() {
    if skip_dash() {
        return;
    }
    let m = sourced();
    // The model's rc.d/jail starts it from the sourced variables before migration.
    ok(&m.h.run("service", &["jail", "start", "www"]));
    assert!(m.h.running("www"), "{:?}", m.h.log());
    ok(&m.h.run("service", &["jail", "stop", "www"]));
    let files = Mig::contents(&m.root);
    let r = m.go();
    ok(&r);
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), files);
    let conf = std::fs::read_to_string(&m.conf).unwrap();
    assert!(conf.contains("www {"), "{conf}");
    // The switch edits the file that set each variable: rc.conf.local.
    let local = std::fs::read_to_string(m.h.path("etc/rc.conf.local")).unwrap();
    let rc = std::fs::read_to_string(m.rc.as_ref().unwrap()).unwrap();
    assert!(!local.contains("jail_www_rootdir"), "{local}");
    assert!(
        local.contains("jail_www_hostname=\"www.example.org\""),
        "kept: {local}"
    );
    assert!(rc.contains("jail_list=\"\""), "{rc}");
    assert!(rc.contains("] && . "), "the sourcing line stays: {rc}");
    // rc.d/jail now starts it from jail.conf: the legacy variables no longer convert it.
    ok(&m.h.run("service", &["jail", "stop", "www"]));
    assert!(!m.h.running("www"));
    ok(&m.h.run("service", &["jail", "start", "www"]));
    m.runs_on_container();
}

#[test]
fn a_failed_migration_restores_rc_conf_and_rc_conf_local() {
    if skip_dash() {
        return;
    }
    for f in ["sysrc", "mv-config", "start"] {
        rolls_back(&sourced(), f);
    }
}

/// A mixed host: www runs on its container from jail.conf, then an rc.conf lists it with
/// `jail_www_rootdir` and `_hostname` too. The model's rc.d/jail (parse_options) then
/// starts it from those variables, not from jail.conf, so the container is not mounted:
/// what `check` reports as JV042 (an error, the jail.conf block being jailvol's). With
/// the variables gone, rc.d/jail starts it from jail.conf on its container again.
#[test]
fn a_mixed_host_starts_the_rc_conf_jail_as_jv042_says() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    ok(&m.go());
    m.runs_on_container();
    ok(&m.h.run("jail", &["-f", &m.p(&m.conf), "-r", "www"]));
    let legacy = format!(
        "jail_enable=\"YES\"\njail_list=\"www\"\njail_conf={}\n\
         jail_www_rootdir={}\njail_www_hostname=\"www.example.org\"\n",
        sq(&m.p(&m.conf)),
        sq(&m.p(&m.root)),
    );
    let rc = m.h.write("etc/rc.conf", &legacy);
    let rcs = m.p(&rc);
    m.h.update(|st| st.rc_conf = vec![rcs.clone()]);
    // jailvol says so: JV042, an error, at the rc.conf line.
    let mut c = common::jailvol();
    c.args([
        "check",
        "--no-containers",
        "--format",
        "json",
        "-f",
        &m.p(&m.conf),
        "-f",
        &rcs,
    ]);
    let r = common::run(c);
    let doc: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    let codes: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&("JV042", "error")), "{codes:?}");
    assert_eq!(r.code, 1);
    // The model's rc.d/jail agrees: started, but not on the container.
    ok(&m.h.run("service", &["jail", "start", "www"]));
    assert!(m.h.running("www"), "{:?}", m.h.log());
    let root_mount = m.h.mounted_at(&m.root);
    assert!(
        root_mount.is_none_or(|mnt| !matches!(mnt.kind, common::fakebsd::Kind::Ufs { .. })),
        "the container is mounted although jail.conf's hooks did not run"
    );
    ok(&m.h.run("service", &["jail", "stop", "www"]));
    // Without the variables (the fix the note gives), rc.d/jail reads jail.conf.
    m.h.write(
        "etc/rc.conf",
        &legacy.replace("jail_www_rootdir=", "#jail_www_rootdir="),
    );
    ok(&m.h.run("service", &["jail", "start", "www"]));
    m.runs_on_container();
}
