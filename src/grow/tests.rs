//! grow's unit tests: each failure point through the engine, and the jail.conf edit.

use super::*;
use crate::exec::{Alloc, AllocMethod, LockGuard, Output};
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

#[test]
fn sizes_absolute_relative_and_refusals() {
    let g = 1u64 << 30;
    assert_eq!(parse_size_arg("3G"), Ok(SizeArg::Absolute(3 * g)));
    assert_eq!(parse_size_arg("+512m"), Ok(SizeArg::Relative(512 << 20)));
    assert!(parse_size_arg("+").is_err());
    assert!(parse_size_arg("-1G").is_err());
    assert_eq!(new_size("w", 2 * g, SizeArg::Relative(g)).unwrap(), 3 * g);
    let e = new_size("w", 2 * g, SizeArg::Absolute(g)).unwrap_err();
    assert!(e.message.contains("never shrinks"), "{}", e.message);
    assert_eq!(e.exit, exit::USAGE);
    let e = new_size("w", 2 * g, SizeArg::Absolute(2 * g)).unwrap_err();
    assert!(e.message.contains("already 2G"), "{}", e.message);
    assert!(new_size("w", 2 * g, SizeArg::Relative(100)).is_err());
    assert_eq!(md_size(3 * g), "3G");
    assert_eq!(md_size(g + 512), "1073742336b");
}

/// Records commands; fails those whose text contains one of `fail` (with the given
/// stderr).
#[derive(Default)]
struct Rec {
    log: Vec<String>,
    fail: BTreeMap<String, String>,
    /// Matching commands that go through before the failures start.
    skip: usize,
}

impl Runner for Rec {
    fn run(&mut self, argv: &[String]) -> io::Result<Output> {
        let text = shell::command(argv);
        self.log.push(text.clone());
        for (k, err) in &self.fail {
            if text.contains(k.as_str()) {
                if self.skip > 0 {
                    self.skip -= 1;
                    continue;
                }
                return Ok(Output {
                    code: Some(1),
                    stdout: Vec::new(),
                    stderr: err.clone().into_bytes(),
                });
            }
        }
        Ok(Output::ok())
    }
    fn pipe(&mut self, _: &[String], _: &[String]) -> io::Result<Output> {
        Err(io::Error::other("no pipes in grow"))
    }
}

/// A host holding one file size.
#[derive(Default)]
struct Mem {
    size: u64,
    fail_extend: bool,
    log: Vec<String>,
}

impl Host for Mem {
    fn exists(&self, _: &Path) -> bool {
        true
    }
    fn is_dir(&self, _: &Path) -> bool {
        true
    }
    fn free_bytes(&self, _: &Path) -> io::Result<u64> {
        Ok(1 << 40)
    }
    fn lock(&mut self, p: &Path) -> io::Result<LockGuard> {
        Ok(LockGuard::fake(p))
    }
    fn unlock(&mut self, _: LockGuard) -> io::Result<()> {
        Ok(())
    }
    fn allocate(&mut self, _: &Path, _: u64, _: Alloc) -> io::Result<AllocMethod> {
        Err(io::Error::other("not here"))
    }
    fn make_temp_dir(&mut self, _: &Path) -> io::Result<PathBuf> {
        Err(io::Error::other("not here"))
    }
    fn remove_file(&mut self, _: &Path) -> io::Result<()> {
        Ok(())
    }
    fn remove_dir(&mut self, _: &Path) -> io::Result<()> {
        Ok(())
    }
    fn file_size(&self, _: &Path) -> io::Result<u64> {
        Ok(self.size)
    }
    fn read_head(&self, _: &Path, _: usize) -> io::Result<Vec<u8>> {
        Ok(Vec::new())
    }
    fn interrupted(&self) -> bool {
        false
    }
    fn extend(&mut self, _: &Path, from: u64, to: u64, _: Alloc) -> io::Result<AllocMethod> {
        self.log.push(format!("extend {from} {to}"));
        if self.fail_extend {
            self.size = from + 4096;
            return Err(io::Error::other("No space left on device"));
        }
        self.size = to;
        Ok(AllocMethod::Fallocate)
    }
    fn set_len(&mut self, _: &Path, size: u64) -> io::Result<()> {
        self.log.push(format!("truncate {size}"));
        self.size = size;
        Ok(())
    }
}

const M: u64 = 1 << 20;

fn target() -> Target {
    Target {
        jail: "www".into(),
        file: "/j/www.ufs".into(),
        unit: 101,
        old: 64 * M,
        file_size: 64 * M,
        new: 128 * M,
        sparse: false,
        fs_grown: false,
        geli_keyfile: None,
    }
}

fn attached() -> State {
    State {
        unit_file: Some(Some("/j/www.ufs".into())),
        file_units: vec![101],
        ..State::default()
    }
}

fn go(st: &State, online: bool, rec: &mut Rec, mem: &mut Mem, cfg_ok: bool) -> (Result<Report, Diag>, bool) {
    let t = target();
    mem.size = t.file_size;
    let steps = plan(&t, st, online, "stopped", "/etc/jail.conf");
    let mut wrote = false;
    let mut w = || {
        if cfg_ok {
            wrote = true;
            Ok("/etc/jail.conf".to_owned())
        } else {
            Err("Permission denied".to_owned())
        }
    };
    let r = execute(&t, &steps, rec, mem, &mut w, &mut |_| {}, &mut |_| {});
    (r, wrote)
}

#[test]
fn stopped_detached_attaches_grows_checks_detaches_then_writes() {
    let (mut rec, mut mem) = (Rec::default(), Mem::default());
    let (r, wrote) = go(&State::default(), false, &mut rec, &mut mem, true);
    r.unwrap();
    assert!(wrote);
    assert_eq!(mem.log, ["extend 67108864 134217728"]);
    assert_eq!(
        rec.log,
        [
            "mdconfig -a -t vnode -f /j/www.ufs -u 101",
            "fsck -t ufs -p /dev/md101",
            "growfs -y /dev/md101",
            "fsck -t ufs -p /dev/md101",
            "mdconfig -d -u 101",
        ]
    );
}

#[test]
fn stopped_attached_resizes_and_stays_attached() {
    let (mut rec, mut mem) = (Rec::default(), Mem::default());
    go(&attached(), false, &mut rec, &mut mem, true).0.unwrap();
    assert_eq!(
        rec.log,
        [
            "mdconfig -r -u 101 -s 128M",
            "fsck -t ufs -p /dev/md101",
            "growfs -y /dev/md101",
            "fsck -t ufs -p /dev/md101",
        ]
    );
}

#[test]
fn without_r_it_detaches_and_reattaches() {
    let mut rec = Rec::default();
    rec.fail.insert(
        "mdconfig -r".into(),
        "mdconfig: illegal option -- r\nusage: mdconfig -a -t type".into(),
    );
    let mut mem = Mem::default();
    let rep = go(&attached(), false, &mut rec, &mut mem, true).0.unwrap();
    assert_eq!(
        rec.log[..3],
        [
            "mdconfig -r -u 101 -s 128M",
            "mdconfig -d -u 101",
            "mdconfig -a -t vnode -f /j/www.ufs -u 101",
        ]
    );
    assert!(rep.notes.iter().any(|n| n.contains("no -r")), "{:?}", rep.notes);
}

#[test]
fn online_resizes_and_grows_the_mounted_filesystem_without_fsck() {
    let st = State {
        running: true,
        mounted_from: Some("/dev/md101".into()),
        ..attached()
    };
    let (mut rec, mut mem) = (Rec::default(), Mem::default());
    let (r, wrote) = go(&st, true, &mut rec, &mut mem, true);
    r.unwrap();
    assert!(wrote);
    assert_eq!(
        rec.log,
        [
            "growfs -N /dev/md101",
            "mdconfig -r -u 101 -s 128M",
            "growfs -y /dev/md101"
        ]
    );
}

#[test]
fn a_failed_extension_is_truncated_back() {
    let mut rec = Rec::default();
    let mut mem = Mem {
        fail_extend: true,
        ..Mem::default()
    };
    let (r, wrote) = go(&State::default(), false, &mut rec, &mut mem, true);
    let d = r.unwrap_err();
    assert!(!wrote);
    assert!(rec.log.is_empty());
    assert_eq!(mem.size, 64 * M);
    assert!(d.message.contains("failed: extending"), "{}", d.message);
    assert!(
        d.notes.iter().any(|n| n.ends_with("nothing changed")),
        "{:?}",
        d.notes
    );
}

fn fail_at(cmd: &str, st: &State) -> (Rec, Mem, Diag, bool) {
    let mut rec = Rec::default();
    rec.fail.insert(cmd.into(), format!("boom: {cmd}"));
    let mut mem = Mem::default();
    let (r, wrote) = go(st, false, &mut rec, &mut mem, true);
    (rec, mem, r.unwrap_err(), wrote)
}

#[test]
fn attach_resize_failures_leave_the_old_filesystem_in_the_bigger_file() {
    for (cmd, st) in [("mdconfig -a", State::default()), ("mdconfig -r", attached())] {
        let (rec, mem, d, wrote) = fail_at(cmd, &st);
        assert!(!wrote, "{cmd}");
        assert_eq!(mem.size, 128 * M, "the extension stays");
        assert!(!rec.log.iter().any(|l| l.starts_with("growfs")), "{cmd}");
        assert!(
            d.notes.last().unwrap().starts_with(
                "the container is intact at the old size: its filesystem is still 64M inside a file of 134217728 bytes"
            ),
            "{cmd}: {:?}",
            d.notes
        );
        assert!(
            d.notes
                .last()
                .unwrap()
                .ends_with("re-run `jailvol grow www 128M` to finish")
        );
    }
}

#[test]
fn a_growfs_failure_is_checked_detached_and_not_written() {
    let (rec, _, d, wrote) = fail_at("growfs", &State::default());
    assert!(!wrote);
    assert_eq!(
        rec.log[3..],
        ["fsck -t ufs -p /dev/md101", "mdconfig -d -u 101"],
        "{:?}",
        rec.log
    );
    assert!(d.message.contains("failed: growfs -y /dev/md101 (exit 1)"));
    assert!(d.notes.contains(&"stderr: boom: growfs".to_string()));
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("found the filesystem consistent"))
    );
    assert!(d.notes.contains(&"rolled back: detached md101".to_string()));
    assert!(
        d.notes
            .last()
            .unwrap()
            .contains("$volume_size is unchanged (64M)")
    );
}

#[test]
fn a_check_that_fails_before_growfs_stops_with_the_container_intact() {
    let (rec, _, d, wrote) = fail_at("fsck", &State::default());
    assert!(!wrote);
    assert!(!rec.log.iter().any(|l| l.starts_with("growfs")), "{:?}", rec.log);
    assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
    assert!(
        d.message.contains("failed: fsck -t ufs -p /dev/md101"),
        "{}",
        d.message
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("fsck -t ufs -y /dev/md101`; mdconfig -d -u 101, then re-run")),
        "{:?}",
        d.notes
    );
    assert!(d.notes.last().unwrap().starts_with("the container is intact"));
}

#[test]
fn online_an_unclean_file_system_is_refused_before_anything_changes() {
    let st = State {
        running: true,
        mounted_from: Some("/dev/md101".into()),
        ..attached()
    };
    let mut rec = Rec::default();
    rec.fail.insert(
        "growfs -N".into(),
        "growfs: /dev/md101 is not clean - run fsck.".into(),
    );
    let mut mem = Mem::default();
    let (r, wrote) = go(&st, true, &mut rec, &mut mem, true);
    let d = r.unwrap_err();
    assert!(!wrote);
    assert_eq!(rec.log, ["growfs -N /dev/md101"]);
    assert!(mem.log.is_empty(), "not extended: {:?}", mem.log);
    assert!(d.message.contains("not clean"), "{}", d.message);
    assert!(
        d.notes.iter().any(|n| n.starts_with("stop the jail")),
        "{:?}",
        d.notes
    );
    assert_eq!(d.notes.last().map(String::as_str), Some("nothing changed"));
}

#[test]
fn late_failures_keep_going_and_say_the_container_is_grown() {
    let mut rec = Rec {
        skip: 1,
        ..Rec::default()
    };
    rec.fail.insert("fsck".into(), "boom: fsck".into());
    let mut mem = Mem::default();
    let (r, wrote) = go(&State::default(), false, &mut rec, &mut mem, true);
    let d = r.unwrap_err();
    assert!(wrote, "growfs succeeded: the size is written");
    assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
    assert!(d.notes.iter().any(|n| n.contains("grown to 128M and usable")));
    assert!(d.notes.iter().any(|n| n.contains("fsck -t ufs -y /dev/md101")));

    let (_, _, d, wrote) = fail_at("mdconfig -d", &State::default());
    assert!(wrote);
    assert!(
        d.notes
            .contains(&"remains: md101 stays attached: run mdconfig -d -u 101".to_string())
    );

    let mut rec = Rec::default();
    let mut mem = Mem::default();
    let (r, _) = go(&State::default(), false, &mut rec, &mut mem, false);
    let d = r.unwrap_err();
    assert!(d.message.contains("failed: updating the configuration"));
    assert!(
        d.notes.iter().any(|n| n.contains("set $volume_size = 128M")),
        "{:?}",
        d.notes
    );
    assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
}

fn edit(conf: &str, jail: &str) -> Result<String, String> {
    use crate::parse::{jailconf, loader::Loader};
    let src = crate::diag::Source::new("/etc/jail.conf", conf);
    let parsed = jailconf::parse_source(&Loader::new(None), src, false).map_err(|d| d.message)?;
    let cfg = crate::model::load(&parsed);
    let rec = cfg.jails.iter().find(|j| j.name == jail).ok_or("no jail")?.record;
    let (file, text) = config_edit(&parsed, rec, "3G")?;
    assert_eq!(file, "/etc/jail.conf");
    Ok(text)
}

#[test]
fn config_edits_keep_every_other_byte() {
    // The jail's own statement: bare, quoted, odd spacing, comments kept.
    assert_eq!(
        edit("www {\n  $volume_size=2G ;  # big\n}\n", "www").unwrap(),
        "www {\n  $volume_size=3G ;  # big\n}\n"
    );
    assert_eq!(
        edit("www { path = /j; $volume_size = '2G'; }\n", "www").unwrap(),
        "www { path = /j; $volume_size = '3G'; }\n"
    );
    // From a wildcard: a statement of its own, in the block's indentation.
    assert_eq!(
        edit(
            "* { $volume_size = 2G; }\nwww {\n\tpath = /j;\n}\ndb {\n}\n",
            "www"
        )
        .unwrap(),
        "* { $volume_size = 2G; }\nwww {\n\tpath = /j;\n\t$volume_size = 3G; # set by jailvol grow\n}\ndb {\n}\n"
    );
    // A one-line block stays on its line (a # comment would hide the `}`).
    assert_eq!(
        edit("* { $volume_size = 2G; }\nwww { path = /j; }\n", "www").unwrap(),
        "* { $volume_size = 2G; }\nwww { path = /j; $volume_size = 3G; }\n"
    );
    // What cannot be edited safely is refused.
    assert!(edit("www { $volume_size = 1G; $volume_size += 1G; }\n", "www").is_err());
    assert!(
        edit("www { $base = 2G; $volume_size = $base; }\n", "www")
            .unwrap_err()
            .contains("not a plain word")
    );
}

#[test]
fn an_unfinished_grow_is_finished_without_extending_again() {
    let mut t = target();
    t.file_size = t.new;
    let steps = plan(&t, &State::default(), false, "stopped", "/etc/jail.conf");
    assert!(!steps.names().contains(&"extend"));
    t.fs_grown = true;
    let steps = plan(&t, &State::default(), false, "stopped", "/etc/jail.conf");
    assert!(!steps.names().contains(&"growfs"));
    let text = render(&steps);
    assert!(text.contains("unfinished grow"), "{text}");
    assert!(text.contains("growfs skipped"));
}
