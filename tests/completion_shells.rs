//! The completion scripts in the shells themselves: each offers the jail names of the
//! configuration the command line names where a JAIL goes, and nothing of the kind
//! elsewhere. bash and fish answer without a terminal (`_jailvol_jails` with COMP_WORDS
//! set; `complete -C`); zsh and tcsh complete only in their line editors, so they run
//! on a pseudo-terminal (util-linux script(1)) and list the choices with ^D.
//!
//! A missing shell fails the test; JAILVOL_SKIP_SHELLS=1 skips it, loudly.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A host with managed jails whose names need care (a dotted name), one unmanaged jail,
/// and a rc.conf jail for convert. Returns the --root directory.
fn host(dir: &Path) -> PathBuf {
    let etc = dir.join("etc");
    std::fs::create_dir_all(&etc).expect("mkdir etc");
    std::fs::write(
        etc.join("jail.conf"),
        "path = \"/usr/jails/$name\";\n\
         web.front { $volume_size = 1G; }\n\
         db { $volume_size = 2G; }\n\
         build { persist; }\n",
    )
    .expect("write jail.conf");
    std::fs::write(
        etc.join("rc.conf"),
        "jail_enable=YES\njail_list=\"old\"\njail_old_rootdir=/j/old\n\
         jail_old_hostname=old\njail_old_ip=192.0.2.9\n",
    )
    .expect("write rc.conf");
    dir.to_owned()
}

fn shell(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        common::skip_unless_asked("JAILVOL_SKIP_SHELLS", &format!("{name} is not installed"));
    }
    found
}

/// The script `jailvol completions SHELL` prints, in `dir/file`.
fn script(shell: &str, dir: &Path, file: &str) -> PathBuf {
    let r = common::run({
        let mut c = common::jailvol();
        c.args(["completions", shell]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = dir.join(file);
    std::fs::write(&p, r.stdout).expect("write script");
    p
}

/// PATH with the built jailvol first: the scripts run `jailvol __complete-jails`.
fn path_env() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_jailvol"))
        .parent()
        .expect("bin dir")
        .to_owned();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest))).expect("PATH")
}

fn words(list: &str) -> Vec<String> {
    let mut w: Vec<String> = list.split_whitespace().map(str::to_owned).collect();
    w.sort();
    w
}

#[test]
fn bash_offers_jail_names_where_a_jail_goes() {
    let Some(bash) = shell("bash") else { return };
    let t = tempfile::tempdir().expect("tempdir");
    let root = host(t.path());
    let file = script("bash", t.path(), "jailvol.bash");
    // COMP_WORDS as bash splits them: `--root=DIR` is three words.
    let complete = |words: &str| {
        let out = Command::new(&bash)
            .arg("-c")
            .arg(format!(
                "source \"$1\"; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
                 _jailvol_jails jailvol \"${{COMP_WORDS[COMP_CWORD]}}\" x; printf '%s\\n' \"${{COMPREPLY[@]}}\""
            ))
            .arg("bash")
            .arg(&file)
            .env("PATH", path_env())
            .env("JAILVOL_ROOT", &root)
            .output()
            .expect("run bash");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        words_of(&out.stdout)
    };
    assert_eq!(
        complete("jailvol --root \"$JAILVOL_ROOT\" create ''"),
        ["db", "web.front"]
    );
    assert_eq!(
        complete("jailvol --root = \"$JAILVOL_ROOT\" status db w"),
        ["web.front"]
    );
    assert_eq!(
        complete("jailvol --root \"$JAILVOL_ROOT\" --rc-conf -f /etc/rc.conf convert ''"),
        ["old"]
    );
    // Not a jail's place: clap's own answers stay.
    assert_eq!(
        complete("jailvol --root \"$JAILVOL_ROOT\" create --dry"),
        ["--dry-run"]
    );
    assert!(!complete("jailvol --root \"$JAILVOL_ROOT\" grow db ''").contains(&"db".to_owned()));
}

fn words_of(out: &[u8]) -> Vec<String> {
    words(&String::from_utf8_lossy(out))
}

#[test]
fn fish_offers_jail_names_where_a_jail_goes() {
    let Some(fish) = shell("fish") else { return };
    let t = tempfile::tempdir().expect("tempdir");
    let root = host(t.path());
    let file = script("fish", t.path(), "jailvol.fish");
    let complete = |line: &str| {
        let out = Command::new(&fish)
            .arg("--no-config")
            .arg("-c")
            .arg(format!("source $argv[1]; complete -C \"{line}\""))
            .arg(&file)
            .env("PATH", path_env())
            .env("HOME", t.path())
            .output()
            .expect("run fish");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // `name<TAB>description`: the names only.
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut names: Vec<String> = text
            .lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_owned())
            .collect();
        names.sort();
        names
    };
    let root = root.display();
    assert_eq!(
        complete(&format!("jailvol --root {root} create ")),
        ["db", "web.front"]
    );
    assert_eq!(
        complete(&format!("jailvol --root={root} migrate w")),
        ["web.front"]
    );
    assert_eq!(
        complete(&format!(
            "jailvol --root {root} convert --rc-conf -f /etc/rc.conf "
        )),
        ["old"]
    );
    let grow_size = complete(&format!("jailvol --root {root} grow db "));
    assert!(!grow_size.contains(&"db".to_owned()), "{grow_size:?}");
}

/// A shell on a pseudo-terminal: keys go in as typed, the output is read as it comes.
struct Pty {
    child: std::process::Child,
    input: std::process::ChildStdin,
    output: mpsc::Receiver<Vec<u8>>,
    seen: String,
    /// The terminal's device: its mode says when the line editor is reading keys.
    tty: String,
}

impl Pty {
    /// `shell` on a new terminal, in `dir`. script(1) runs `tty` first, so the test
    /// knows which terminal to watch.
    fn spawn(shell: &str, dir: &Path) -> Pty {
        let mut child = Command::new("script")
            .args(["-qefc", &format!("tty; exec {shell}"), "/dev/null"])
            .current_dir(dir)
            .env("PATH", path_env())
            .env("HOME", dir)
            .env("TERM", "dumb")
            .env("SHELL", "/bin/sh")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run script(1) from util-linux");
        let input = child.stdin.take().expect("stdin");
        let mut out = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut pty = Pty {
            child,
            input,
            output: rx,
            seen: String::new(),
            tty: String::new(),
        };
        pty.tty = pty.until("\n").trim().to_owned();
        assert!(pty.tty.starts_with("/dev/"), "tty said {:?}", pty.tty);
        pty
    }

    fn send(&mut self, text: &str) {
        self.input.write_all(text.as_bytes()).expect("type");
        self.input.flush().expect("flush");
    }

    /// Read until `marker` appears; what came before it. A shell that never prints it
    /// fails the test (after a minute, so a slow machine is not a failure).
    fn until(&mut self, marker: &str) -> String {
        loop {
            if let Some(at) = self.seen.find(marker) {
                let before = self.seen[..at].to_owned();
                self.seen.drain(..at + marker.len());
                return before;
            }
            match self.output.recv_timeout(Duration::from_secs(60)) {
                Ok(b) => self.seen.push_str(&String::from_utf8_lossy(&b)),
                Err(_) => panic!("no {marker:?} from the shell; it said:\n{}", self.seen),
            }
        }
    }

    /// Wait until the line editor owns the terminal (canonical mode off): keys typed
    /// before that would be read by the kernel's line discipline, where ^D and ^U mean
    /// something else. The prompt is printed before the editor starts.
    fn editor_ready(&self) {
        for _ in 0..3000 {
            let out = Command::new("stty")
                .args(["-F", &self.tty, "-a"])
                .output()
                .expect("stty");
            if String::from_utf8_lossy(&out.stdout).contains("-icanon") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the line editor never took {}", self.tty);
    }

    /// List the choices for `line` (^D in both line editors), then clear the line.
    fn choices(&mut self, line: &str) -> Vec<String> {
        self.editor_ready();
        self.send(&format!("{line}\x04"));
        // The line, the listing, the line again; an `echo` after clearing it marks the
        // end.
        self.send("\x15echo END''MARK\n");
        let out = self.until("ENDMARK");
        let _ = self.until("READY> ");
        let typed = line.trim_end();
        let listing = out.split(typed).nth(1).unwrap_or("");
        // zsh draws the prompt again before the line.
        let listing = listing.replace("READY>", " ");
        words(&listing.replace(['\r', '\x07'], " "))
    }

    fn finish(mut self) {
        self.editor_ready();
        self.send("exit\n");
        let _ = self.child.wait();
    }
}

#[test]
fn zsh_offers_jail_names_in_its_line_editor() {
    let Some(_) = shell("zsh") else { return };
    let Some(_) = shell("script") else { return };
    let t = tempfile::tempdir().expect("tempdir");
    host(t.path());
    let fpath = t.path().join("zfunc");
    std::fs::create_dir(&fpath).expect("mkdir");
    script("zsh", &fpath, "_jailvol");
    let mut sh = Pty::spawn("zsh -f", t.path());
    sh.send(&format!(
        "fpath=({} $fpath); autoload -U compinit; compinit -u; unset zle_bracketed_paste; PS1='READ''Y> '\n",
        fpath.display()
    ));
    sh.until("READY> ");
    assert_eq!(sh.choices("jailvol --root . create "), ["db", "web.front"]);
    assert_eq!(sh.choices("jailvol --root . grow w"), ["web.front"]);
    assert_eq!(
        sh.choices("jailvol --root . --rc-conf -f /etc/rc.conf convert "),
        ["old"]
    );
    let size = sh.choices("jailvol --root . grow db ");
    assert!(!size.contains(&"db".to_owned()), "{size:?}");
    sh.finish();
}

#[test]
fn tcsh_offers_commands_options_and_jail_names() {
    let Some(_) = shell("tcsh") else { return };
    let Some(_) = shell("script") else { return };
    let t = tempfile::tempdir().expect("tempdir");
    host(t.path());
    let file = script("tcsh", t.path(), "jailvol.tcsh");
    let mut sh = Pty::spawn("tcsh -f", t.path());
    // A dumb terminal turns tcsh's editor off; the test wants it on.
    sh.send(&format!(
        "set edit; source {}; set prompt='READ''Y> '\n",
        file.display()
    ));
    sh.until("READY> ");
    assert_eq!(sh.choices("jailvol --root . create "), ["db", "web.front"]);
    assert_eq!(sh.choices("jailvol -f etc/jail.conf gr"), ["grow"]);
    assert_eq!(sh.choices("jailvol --format="), ["github", "json", "text"]);
    assert_eq!(
        sh.choices("jailvol --root . --rc-conf -f /etc/rc.conf convert "),
        ["old"]
    );
    let size = sh.choices("jailvol --root . grow db ");
    assert!(!size.contains(&"db".to_owned()), "{size:?}");
    sh.finish();
}
