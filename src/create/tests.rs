//! create's unit tests: every failure point, through the engine.

use super::*;
use crate::exec::{Alloc, AllocMethod, LockGuard, Output};
use std::collections::BTreeSet;
use std::io;
use std::path::PathBuf;

/// Records every command; fails the first one whose text contains `fail`, and then
/// every later one too when `sticky` (a device that stays busy).
#[derive(Default)]
struct Rec {
    log: Vec<String>,
    fail: Option<String>,
    sticky: bool,
    failed: bool,
}

impl Runner for Rec {
    fn run(&mut self, argv: &[String]) -> io::Result<Output> {
        self.exec_text(shell::command(argv))
    }
    fn pipe(&mut self, l: &[String], r: &[String]) -> io::Result<Output> {
        self.exec_text(format!("{} | {}", shell::command(l), shell::command(r)))
    }
}

impl Rec {
    fn exec_text(&mut self, text: String) -> io::Result<Output> {
        let hit = self
            .fail
            .as_ref()
            .is_some_and(|f| text.contains(f.as_str()) && (!self.failed || self.sticky));
        self.log.push(text);
        if hit {
            self.failed = true;
            return Ok(Output {
                code: Some(1),
                stdout: Vec::new(),
                stderr: format!("boom: {}\n", self.fail.as_deref().unwrap_or("")).into_bytes(),
            });
        }
        Ok(Output::ok())
    }
}

/// An in-memory host: a set of paths, with one operation made to fail.
#[derive(Default)]
struct Mem {
    paths: BTreeSet<PathBuf>,
    fail: &'static str,
    interrupt_after_mkdtemp: bool,
    interrupted: bool,
}

impl Host for Mem {
    fn exists(&self, p: &Path) -> bool {
        self.paths.contains(p)
    }
    fn is_dir(&self, _: &Path) -> bool {
        true
    }
    fn free_bytes(&self, _: &Path) -> io::Result<u64> {
        Ok(1 << 40)
    }
    fn lock(&mut self, p: &Path) -> io::Result<LockGuard> {
        if self.fail == "lock" {
            return Err(io::Error::new(io::ErrorKind::WouldBlock, "busy"));
        }
        self.paths.insert(p.to_path_buf());
        Ok(LockGuard::fake(p))
    }
    fn unlock(&mut self, g: LockGuard) -> io::Result<()> {
        self.paths.remove(&g.path);
        Ok(())
    }
    fn allocate(&mut self, p: &Path, _: u64, _: Alloc) -> io::Result<AllocMethod> {
        // A failing allocation leaves a partial file, like a full disk would.
        self.paths.insert(p.to_path_buf());
        if self.fail == "allocate" {
            return Err(io::Error::other("No space left on device"));
        }
        Ok(AllocMethod::Fallocate)
    }
    fn make_temp_dir(&mut self, t: &Path) -> io::Result<PathBuf> {
        if self.fail == "mkdtemp" {
            return Err(io::Error::other("Permission denied"));
        }
        let p = PathBuf::from(t.display().to_string().replace("XXXXXX", "abc123"));
        self.paths.insert(p.clone());
        self.interrupted = self.interrupt_after_mkdtemp;
        Ok(p)
    }
    fn remove_file(&mut self, p: &Path) -> io::Result<()> {
        self.paths.remove(p);
        Ok(())
    }
    fn remove_dir(&mut self, p: &Path) -> io::Result<()> {
        if self.fail == "rmdir" {
            return Err(io::Error::other("Directory not empty"));
        }
        self.paths.remove(p);
        Ok(())
    }
    fn file_size(&self, _: &Path) -> io::Result<u64> {
        Ok(64 << 20)
    }
    fn read_head(&self, _: &Path, _: usize) -> io::Result<Vec<u8>> {
        Ok(Vec::new())
    }
    fn interrupted(&self) -> bool {
        self.interrupted
    }
    fn make_dir(&mut self, p: &Path, _: u32) -> io::Result<()> {
        if self.fail == "mkdir" {
            return Err(io::Error::other("Permission denied"));
        }
        self.paths.insert(p.to_path_buf());
        Ok(())
    }
}

fn target(source: Source) -> Target {
    Target {
        jail: "www".into(),
        file: "/j/www.ufs".into(),
        size: 64 << 20,
        unit: Some(101),
        source,
        geli_keyfile: None,
    }
}

fn go(rec: &mut Rec, mem: &mut Mem, source: Source) -> Result<Report, Diag> {
    let t = target(source);
    let steps = plan(&t, &Options::default());
    execute(&t, &steps, rec, mem, &mut |_| {}, &mut |_| {})
}

const TMPDIR: &str = "/j/www.ufs.mnt.abc123";

#[test]
fn success_runs_every_step_and_leaves_only_the_container() {
    let (mut rec, mut mem) = (Rec::default(), Mem::default());
    go(&mut rec, &mut mem, Source::Dir("/src root".into())).unwrap();
    assert_eq!(
        rec.log,
        [
            "mdconfig -a -t vnode -f /j/www.ufs -u 101",
            "newfs -U /dev/md101",
            "mount -t ufs /dev/md101 /j/www.ufs.mnt.abc123",
            "tar -C '/src root' --one-file-system -cpf - . | tar -C /j/www.ufs.mnt.abc123 -xpf -",
            "umount /j/www.ufs.mnt.abc123",
            "mdconfig -d -u 101",
        ]
    );
    assert_eq!(mem.paths.iter().collect::<Vec<_>>(), [Path::new("/j/www.ufs")]);
}

/// Each failure point: the undo commands that follow the failed one, and the notes.
#[test]
fn every_failure_point_rolls_back_completely() {
    let attach = "mdconfig -a -t vnode -f /j/www.ufs -u 101";
    let cases: &[(&str, &str, &[&str])] = &[
        ("", "allocate", &[]),
        ("mdconfig -a", "", &[attach]),
        (
            "newfs",
            "",
            &[attach, "newfs -U /dev/md101", "mdconfig -d -u 101"],
        ),
        (
            "",
            "mkdtemp",
            &[attach, "newfs -U /dev/md101", "mdconfig -d -u 101"],
        ),
        (
            "mount -t",
            "",
            &[
                attach,
                "newfs -U /dev/md101",
                "mount -t ufs /dev/md101 /j/www.ufs.mnt.abc123",
                "mdconfig -d -u 101",
            ],
        ),
        (
            "tar -C /src",
            "",
            &[
                attach,
                "newfs -U /dev/md101",
                "mount -t ufs /dev/md101 /j/www.ufs.mnt.abc123",
                "tar -C /src --one-file-system -cpf - . | tar -C /j/www.ufs.mnt.abc123 -xpf -",
                "umount /j/www.ufs.mnt.abc123",
                "mdconfig -d -u 101",
            ],
        ),
    ];
    for (cmd_fail, host_fail, expect) in cases {
        let mut rec = Rec {
            fail: (!cmd_fail.is_empty()).then(|| cmd_fail.to_string()),
            ..Rec::default()
        };
        let mut mem = Mem {
            fail: host_fail,
            ..Mem::default()
        };
        let d = go(&mut rec, &mut mem, Source::Dir("/src".into())).unwrap_err();
        assert_eq!(d.exit, exit::FINDINGS, "{cmd_fail}{host_fail}");
        assert_eq!(&rec.log, expect, "{cmd_fail}{host_fail}");
        assert!(mem.paths.is_empty(), "{cmd_fail}{host_fail}: {:?}", mem.paths);
        assert_eq!(
            d.notes.last().map(String::as_str),
            Some("nothing remains"),
            "{d:?}"
        );
        if !cmd_fail.is_empty() {
            assert!(
                d.message.contains(&format!("failed: {cmd_fail}")),
                "{}",
                d.message
            );
            assert!(d.notes.contains(&format!("stderr: boom: {cmd_fail}")), "{d:?}");
        }
    }
}

#[test]
fn the_missing_path_is_made_first_and_removed_by_a_rollback() {
    let t = target(Source::Empty);
    let dirs = ["/j".to_owned(), "/j/www".to_owned()];
    let steps = with_path_dirs(&dirs, plan(&t, &Options::default()));
    let text = render(&steps);
    assert!(
        text.contains("\nmkdir -m 0755 /j\nmkdir -m 0755 /j/www\ndd if=/dev/zero of="),
        "{text}"
    );
    let (mut rec, mut mem) = (Rec::default(), Mem::default());
    execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}, &mut |_| {}).unwrap();
    assert!(mem.paths.contains(Path::new("/j/www")));
    // A failure later removes what this run made, innermost first.
    let mut rec = Rec {
        fail: Some("newfs".into()),
        ..Rec::default()
    };
    let mut mem = Mem::default();
    let d = execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}, &mut |_| {}).unwrap_err();
    assert!(mem.paths.is_empty(), "{:?}", mem.paths);
    assert_eq!(
        d.notes[1],
        "rolled back: detached md101, removed /j/www.ufs, removed /j/www, removed /j"
    );
    // A failing mkdir touches nothing else.
    let mut rec = Rec::default();
    let mut mem = Mem {
        fail: "mkdir",
        ..Mem::default()
    };
    let d = execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}, &mut |_| {}).unwrap_err();
    assert!(
        d.message.contains("making the jail's directory /j"),
        "{}",
        d.message
    );
    assert!(rec.log.is_empty() && mem.paths.is_empty());
}

#[test]
fn an_archive_failure_rolls_back_too() {
    let mut rec = Rec {
        fail: Some("-xpf /b.txz".into()),
        ..Rec::default()
    };
    let mut mem = Mem::default();
    let d = go(&mut rec, &mut mem, Source::Archive("/b.txz".into())).unwrap_err();
    assert!(mem.paths.is_empty());
    assert_eq!(
        d.notes[1],
        "rolled back: unmounted /j/www.ufs.mnt.abc123, removed /j/www.ufs.mnt.abc123, detached md101, removed /j/www.ufs"
    );
}

#[test]
fn a_stuck_umount_reports_exactly_what_remains() {
    let mut rec = Rec {
        fail: Some("umount".into()),
        sticky: true,
        ..Rec::default()
    };
    let mut mem = Mem::default();
    let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
    assert_eq!(
        rec.log.last().map(String::as_str),
        Some("umount /j/www.ufs.mnt.abc123")
    );
    assert_eq!(
        d.notes[1..],
        [
            format!("remains: {TMPDIR} is still mounted: run umount {TMPDIR}"),
            format!("remains: directory {TMPDIR} (a mount point): then run rmdir {TMPDIR}"),
            "remains: md101 stays attached (mounted): then run mdconfig -d -u 101".to_string(),
            "remains: /j/www.ufs (backs md101): then run rm /j/www.ufs".to_string(),
        ]
    );
    // The lock is gone; the container and mount point stay, as reported.
    assert!(!mem.paths.contains(Path::new("/j/www.ufs.lock")));
    assert!(mem.paths.contains(Path::new("/j/www.ufs")));
}

#[test]
fn a_stuck_detach_keeps_the_file_and_says_how_to_finish() {
    let mut rec = Rec {
        fail: Some("mdconfig -d".into()),
        sticky: true,
        ..Rec::default()
    };
    let mut mem = Mem::default();
    let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
    assert!(
        d.message.contains("failed: mdconfig -d -u 101 (exit 1)"),
        "{}",
        d.message
    );
    assert_eq!(
        d.notes[1..],
        [
            "remains: md101 could not be detached: run mdconfig -d -u 101",
            "remains: /j/www.ufs (backs md101): then run rm /j/www.ufs",
        ]
    );
    assert_eq!(mem.paths.iter().collect::<Vec<_>>(), [Path::new("/j/www.ufs")]);
}

#[test]
fn a_detach_that_fails_once_is_retried_by_the_rollback() {
    let mut rec = Rec {
        fail: Some("mdconfig -d".into()),
        ..Rec::default()
    };
    let mut mem = Mem::default();
    let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
    assert_eq!(d.notes.last().map(String::as_str), Some("nothing remains"));
    assert!(mem.paths.is_empty());
}

#[test]
fn a_temp_dir_that_cannot_be_removed_is_reported() {
    let mut rec = Rec::default();
    let mut mem = Mem {
        fail: "rmdir",
        ..Mem::default()
    };
    let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
    assert!(d.notes.contains(&format!(
        "remains: directory {TMPDIR} could not be removed: run rmdir {TMPDIR}"
    )));
    assert!(!mem.paths.contains(Path::new("/j/www.ufs")));
}

#[test]
fn an_interrupt_stops_and_rolls_back() {
    let mut rec = Rec::default();
    let mut mem = Mem {
        interrupt_after_mkdtemp: true,
        ..Mem::default()
    };
    let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
    assert!(d.message.contains("interrupted"), "{}", d.message);
    assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
    assert!(mem.paths.is_empty());
}

#[test]
fn a_busy_lock_touches_nothing() {
    let mut rec = Rec::default();
    let mut mem = Mem {
        fail: "lock",
        ..Mem::default()
    };
    let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
    assert!(d.message.contains("is locked"), "{}", d.message);
    assert!(rec.log.is_empty());
    assert_eq!(d.exit, exit::CANTCREAT);
}

#[test]
fn makefs_falls_back_without_softupdates_and_removes_its_partial_image() {
    let t = Target {
        unit: None,
        ..target(Source::Empty)
    };
    let opts = Options {
        via: Via::Makefs,
        ..Options::default()
    };
    let steps = plan(&t, &opts);
    let mut rec = Rec {
        fail: Some("softupdates".into()),
        ..Rec::default()
    };
    let mut mem = Mem::default();
    // The fake's head is empty: no superblock, so the check fails and rolls back.
    let d = execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}, &mut |_| {}).unwrap_err();
    assert_eq!(rec.log.len(), 2, "{:?}", rec.log);
    assert!(rec.log[1].contains("-o version=2 "));
    assert!(d.notes.iter().any(|n| n.contains("no UFS2 superblock")), "{d:?}");
    assert!(
        d.notes.iter().any(|n| n.contains("does not know -o softupdates")),
        "{d:?}"
    );
    assert!(mem.paths.is_empty(), "{:?}", mem.paths);
}

#[test]
fn preflight_refuses_an_existing_container_and_a_missing_unit() {
    let mut mem = Mem::default();
    mem.paths.insert("/j/www.ufs".into());
    let e = preflight(&target(Source::Empty), &Options::default(), &mem).unwrap_err();
    assert_eq!(e.exit, exit::CANTCREAT);
    assert!(e.message.contains("never overwrites"));
    let t = Target {
        unit: None,
        ..target(Source::Empty)
    };
    let e = preflight(&t, &Options::default(), &Mem::default()).unwrap_err();
    assert_eq!(e.exit, exit::DATAERR);
    assert!(e.message.contains("jailvol generate"));
}

fn go_geli(rec: &mut Rec, mem: &mut Mem) -> Result<Report, Diag> {
    let t = Target {
        geli_keyfile: Some("/etc/jailvol/www.key".into()),
        ..target(Source::Empty)
    };
    let steps = plan(&t, &Options::default());
    execute(&t, &steps, rec, mem, &mut |_| {}, &mut |_| {})
}

const GELI_INIT: &str = "geli init -B none -P -K /etc/jailvol/www.key -s 4096 md101";
const GELI_ATTACH: &str = "geli attach -p -k /etc/jailvol/www.key md101";

#[test]
fn a_geli_container_puts_geli_between_the_unit_and_the_file_system() {
    let (mut rec, mut mem) = (Rec::default(), Mem::default());
    go_geli(&mut rec, &mut mem).unwrap();
    assert_eq!(
        rec.log,
        [
            "mdconfig -a -t vnode -f /j/www.ufs -u 101",
            GELI_INIT,
            GELI_ATTACH,
            "newfs -U /dev/md101.eli",
            "mount -t ufs /dev/md101.eli /j/www.ufs.mnt.abc123",
            "umount /j/www.ufs.mnt.abc123",
            "geli detach md101.eli",
            "mdconfig -d -u 101",
        ]
    );
    assert_eq!(mem.paths.iter().collect::<Vec<_>>(), [Path::new("/j/www.ufs")]);
}

/// Each failure point of a geli create: what ran, geli detached before md in the undo.
#[test]
fn every_geli_failure_point_rolls_back_geli_then_md() {
    let attach = "mdconfig -a -t vnode -f /j/www.ufs -u 101";
    let mount = "mount -t ufs /dev/md101.eli /j/www.ufs.mnt.abc123";
    let cases: &[(&str, &[&str])] = &[
        ("geli init", &[attach, GELI_INIT, "mdconfig -d -u 101"]),
        (
            "geli attach",
            &[attach, GELI_INIT, GELI_ATTACH, "mdconfig -d -u 101"],
        ),
        (
            "newfs",
            &[
                attach,
                GELI_INIT,
                GELI_ATTACH,
                "newfs -U /dev/md101.eli",
                "geli detach md101.eli",
                "mdconfig -d -u 101",
            ],
        ),
        (
            "mount -t",
            &[
                attach,
                GELI_INIT,
                GELI_ATTACH,
                "newfs -U /dev/md101.eli",
                mount,
                "geli detach md101.eli",
                "mdconfig -d -u 101",
            ],
        ),
        (
            "geli detach",
            &[
                attach,
                GELI_INIT,
                GELI_ATTACH,
                "newfs -U /dev/md101.eli",
                mount,
                "umount /j/www.ufs.mnt.abc123",
                "geli detach md101.eli",
                "geli detach md101.eli",
                "mdconfig -d -u 101",
            ],
        ),
    ];
    for (fail, expect) in cases {
        let mut rec = Rec {
            fail: Some(fail.to_string()),
            ..Rec::default()
        };
        let mut mem = Mem::default();
        let d = go_geli(&mut rec, &mut mem).unwrap_err();
        assert_eq!(&rec.log, expect, "{fail}");
        assert!(mem.paths.is_empty(), "{fail}: {:?}", mem.paths);
        assert_eq!(
            d.notes.last().map(String::as_str),
            Some("nothing remains"),
            "{d:?}"
        );
    }
}

#[test]
fn a_stuck_geli_detach_keeps_md_and_the_file_and_says_how_to_finish() {
    let mut rec = Rec {
        fail: Some("geli detach".into()),
        sticky: true,
        ..Rec::default()
    };
    let mut mem = Mem::default();
    let d = go_geli(&mut rec, &mut mem).unwrap_err();
    assert_eq!(
        d.notes[1..],
        [
            "remains: md101.eli could not be detached: run geli detach md101.eli",
            "remains: md101 stays attached (md101.eli holds it): then run mdconfig -d -u 101",
            "remains: /j/www.ufs (backs md101): then run rm /j/www.ufs",
        ]
    );
}

#[test]
fn preflight_refuses_a_missing_keyfile_and_makefs() {
    let t = Target {
        geli_keyfile: Some("/etc/jailvol/www.key".into()),
        ..target(Source::Empty)
    };
    let e = preflight(&t, &Options::default(), &Mem::default()).unwrap_err();
    assert_eq!(e.exit, exit::NOINPUT);
    assert!(
        e.message.contains("keyfile /etc/jailvol/www.key does not exist"),
        "{}",
        e.message
    );
    assert!(e.message.contains("dd if=/dev/random"), "{}", e.message);
    let mut mem = Mem::default();
    mem.paths.insert(PathBuf::from("/etc/jailvol/www.key"));
    assert!(preflight(&t, &Options::default(), &mem).is_ok());
    let makefs = Options {
        via: Via::Makefs,
        ..Options::default()
    };
    assert_eq!(preflight(&t, &makefs, &mem).unwrap_err().exit, exit::USAGE);
}
