//! Which files to read and as what: `-f` files (kind told by `--jail-conf`/`--rc-conf`,
//! else by the file's name, else by its content), else the host's defaults under
//! `--root`.

use std::path::PathBuf;

use crate::diag::{Diag, exit};
use crate::parse::jailconf::{self, Parsed};
use crate::parse::loader::Loader;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    JailConf,
    RcConf,
}

/// What the command line says about the input: the `-f` files, a kind forced by
/// `--jail-conf`/`--rc-conf`, and `--root`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub files: Vec<String>,
    pub kind: Option<InputKind>,
    pub root: Option<PathBuf>,
    /// rc.conf: skip (with a warning) what cannot be evaluated statically.
    pub skip_unsupported: bool,
}

impl Options {
    /// A loader that reads below `--root`, pinning what it reads: a command runs once.
    pub fn loader(&self) -> Loader {
        Loader::new(self.root.clone()).pinning()
    }
}

impl From<&Options> for Options {
    fn from(o: &Options) -> Options {
        o.clone()
    }
}

/// The rc.conf rc.d/jail reads on a jail.conf host: it may start jails from it
/// (legacy::beside_jail_conf).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcBeside {
    /// The host's rc.conf files (no -f given, /etc/rc.conf exists below the root).
    Host,
    /// The rc.conf `-f` files given beside jail.conf ones.
    Files(Vec<String>),
}

#[derive(Debug)]
pub struct Inputs {
    pub kind: InputKind,
    /// The files of that kind.
    pub files: Vec<String>,
    /// On a jail.conf host, its rc.conf, if there is one.
    pub rc_beside: Option<RcBeside>,
    pub root: Option<std::path::PathBuf>,
    /// The loader that detected the kind: it holds what it read from a pipe, which
    /// cannot be read a second time.
    loader: Loader,
}

impl Inputs {
    pub fn loader(&self) -> Loader {
        self.loader.clone()
    }
}

/// The files to read and their kind. Takes anything that gives [`Options`] (the command
/// line's global options convert into them).
pub fn select(opts: impl Into<Options>) -> Result<Inputs, Diag> {
    let g: Options = opts.into();
    let loader = g.loader();
    if g.files.is_empty() {
        if loader.real_path("/etc/jail.conf").exists() {
            let rc = loader.real_path("/etc/rc.conf").exists();
            return Ok(Inputs {
                kind: InputKind::JailConf,
                files: vec!["/etc/jail.conf".into()],
                rc_beside: rc.then_some(RcBeside::Host),
                root: g.root.clone(),
                loader,
            });
        }
        if loader.real_path("/etc/rc.conf").exists() {
            return Ok(Inputs {
                kind: InputKind::RcConf,
                files: vec!["/etc/rc.conf".into()],
                rc_beside: None,
                root: g.root.clone(),
                loader,
            });
        }
        return Err(Diag::error(
            None,
            "no /etc/jail.conf or /etc/rc.conf to read; name one with -f",
        )
        .with_exit(exit::NOINPUT));
    }
    if let Some(kind) = g.kind {
        return Ok(Inputs {
            kind,
            files: g.files,
            rc_beside: None,
            root: g.root,
            loader,
        });
    }
    // `-f jail.conf -f rc.conf` is a jail.conf host with its rc.conf, not one language
    // read as the other: a file whose name says its kind has it; the others have the
    // first file's (by name, else by content: a file of `name=value;` lines alone would
    // read as rc.conf on its own).
    let first = detect(&loader, &g.files[0])?;
    let mut jail_confs = Vec::new();
    let mut rc_confs = Vec::new();
    for f in g.files {
        match kind_by_name(&f).unwrap_or(first) {
            InputKind::JailConf => jail_confs.push(f),
            InputKind::RcConf => rc_confs.push(f),
        }
    }
    Ok(if jail_confs.is_empty() {
        Inputs {
            kind: InputKind::RcConf,
            files: rc_confs,
            rc_beside: None,
            root: g.root,
            loader,
        }
    } else {
        Inputs {
            kind: InputKind::JailConf,
            files: jail_confs,
            rc_beside: (!rc_confs.is_empty()).then_some(RcBeside::Files(rc_confs)),
            root: g.root,
            loader,
        }
    })
}

/// The kind of `-f` file: by its name when the name says (`kind_by_name`), else by its
/// content (`detect_text`). Standard input defaults to jail.conf.
fn detect(loader: &Loader, file: &str) -> Result<InputKind, Diag> {
    if file == "-" {
        return Ok(InputKind::JailConf);
    }
    if let Some(kind) = kind_by_name(file) {
        return Ok(kind);
    }
    // Not pinned: this reading is dropped here, and the parse reads the file again (a
    // pipe's text is kept by the loader for it either way).
    let src = loader.unpinned().read(file, None)?;
    Ok(detect_text(&src.text))
}

/// The kind a file's name gives it, if any. jail.conf: `jail.conf`, `jail.*.conf` (the
/// names jail(8)'s `-f` is usually given) and `*.conf` in a `jail.conf.d` directory
/// (rc.d/jail reads /etc/jail.conf.d/NAME.conf). rc.conf: `rc.conf*` (rc.conf,
/// rc.conf.local, rc.conf.d and the files in it: rc.subr's load_rc_config sources
/// them all as sh) and anything in an `ezjail` directory (ezjail keeps one sh file per
/// jail in /usr/local/etc/ezjail/). A jail.conf of `name=value;` lines alone looks like
/// rc.conf, so the name is asked first.
pub fn kind_by_name(file: &str) -> Option<InputKind> {
    let path = std::path::Path::new(file);
    let base = path.file_name()?.to_str()?;
    let dir = path
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str())
        .unwrap_or("");
    if base == "jail.conf"
        || (base.starts_with("jail.") && base.ends_with(".conf") && base.len() >= "jail..conf".len())
        || (dir == "jail.conf.d" && base.ends_with(".conf"))
    {
        return Some(InputKind::JailConf);
    }
    if base.starts_with("rc.conf") || dir.starts_with("rc.conf") || dir == "ezjail" {
        return Some(InputKind::RcConf);
    }
    None
}

/// The kind by content: rc.conf is sh, every statement is `NAME=value` (maybe after
/// `export`); jail.conf has blocks and `;`-terminated statements.
pub fn detect_text(text: &str) -> InputKind {
    let mut assignments = 0;
    for line in text.lines() {
        let l = line.trim_start();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").map(str::trim_start).unwrap_or(l);
        let name_len = l
            .char_indices()
            .take_while(|(i, c)| c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
            .count();
        if name_len > 0 && l[name_len..].starts_with('=') {
            assignments += 1;
        } else {
            return InputKind::JailConf;
        }
    }
    if assignments > 0 {
        InputKind::RcConf
    } else {
        InputKind::JailConf
    }
}

/// Parse one or more jail.conf files as one configuration (jail(8) reads one file; with
/// several -f files jailvol reads them in order as if each were `.include`d).
pub fn parse_jail_confs(loader: &Loader, files: &[String]) -> Result<Parsed, Diag> {
    let mut all: Option<Parsed> = None;
    for f in files {
        let p = jailconf::parse_file(loader, f)?;
        match all.as_mut() {
            None => all = Some(p),
            Some(a) => {
                let shift = u32::try_from(a.sources.len()).unwrap_or(u32::MAX);
                a.append(p, shift);
            }
        }
    }
    all.ok_or_else(|| Diag::error(None, "no input files").with_exit(exit::USAGE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_decides_before_the_content() {
        for f in [
            "jail.conf",
            "/etc/jail.conf",
            "conf/jail.web.conf",
            "/etc/jail.conf.d/web.conf",
            "repo/jail.conf.d/db.conf",
        ] {
            assert_eq!(kind_by_name(f), Some(InputKind::JailConf), "{f}");
        }
        for f in [
            "/etc/rc.conf",
            "rc.conf.local",
            "/etc/rc.conf.d/jail",
            "/usr/local/etc/ezjail/web_example_org",
            "ezjail/db",
        ] {
            assert_eq!(kind_by_name(f), Some(InputKind::RcConf), "{f}");
        }
        for f in [
            "host.conf",
            "jail.conf.bak",
            "jails.conf",
            "/etc/jail.conf.d/README",
            "-",
        ] {
            assert_eq!(kind_by_name(f), None, "{f}");
        }
    }

    #[test]
    fn a_jail_conf_of_assignments_is_read_as_jail_conf_by_its_name() {
        let d = tempfile::tempdir().unwrap();
        let text = "path=/jails/x;\npersist=1;\n";
        // By content alone this is rc.conf (NAME=value lines).
        assert_eq!(detect_text(text), InputKind::RcConf);
        for (name, kind) in [
            ("jail.conf", InputKind::JailConf),
            ("jail.x.conf", InputKind::JailConf),
            ("other.conf", InputKind::RcConf),
        ] {
            let f = d.path().join(name);
            std::fs::write(&f, text).unwrap();
            let f = f.to_string_lossy().into_owned();
            let got = select(Options {
                files: vec![f.clone()],
                ..Options::default()
            })
            .unwrap();
            assert_eq!(got.kind, kind, "{name}");
        }
        // --rc-conf still overrides the name.
        let f = d.path().join("jail.conf").to_string_lossy().into_owned();
        let got = select(Options {
            files: vec![f],
            kind: Some(InputKind::RcConf),
            ..Options::default()
        })
        .unwrap();
        assert_eq!(got.kind, InputKind::RcConf);
    }

    /// A `depend` in a later -f file is the configuration's (`depend::matters`).
    #[test]
    fn several_files_keep_a_later_files_depend() {
        let d = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (name, text) in [("a.conf", "a { }\n"), ("b.conf", "b { depend = a; }\n")] {
            let f = d.path().join(name);
            std::fs::write(&f, text).unwrap();
            files.push(f.to_string_lossy().into_owned());
        }
        let parsed = parse_jail_confs(&Loader::default(), &files).unwrap();
        assert!(parsed.depends);
        assert!(!parse_jail_confs(&Loader::default(), &files[..1]).unwrap().depends);
    }

    #[test]
    fn each_named_file_keeps_its_kind() {
        let d = tempfile::tempdir().unwrap();
        let path = |n: &str| d.path().join(n).to_string_lossy().into_owned();
        std::fs::write(path("jail.conf"), "www { path = /j/www; }\n").unwrap();
        std::fs::write(path("rc.conf"), "jail_enable=YES\n").unwrap();
        // A file without a telling name has the first file's kind, not its content's.
        std::fs::write(path("extra"), "path=/j/x;\n").unwrap();
        let pick = |files: &[&str]| {
            select(Options {
                files: files.iter().map(|f| path(f)).collect(),
                ..Options::default()
            })
            .unwrap()
        };
        for order in [
            ["jail.conf", "rc.conf", "extra"],
            ["rc.conf", "jail.conf", "extra"],
        ] {
            let got = pick(&order);
            assert_eq!(got.kind, InputKind::JailConf, "{order:?}");
            let rc = if order[0] == "rc.conf" {
                vec![path("rc.conf"), path("extra")]
            } else {
                vec![path("rc.conf")]
            };
            assert_eq!(got.rc_beside, Some(RcBeside::Files(rc)), "{order:?}");
        }
        let got = pick(&["rc.conf", "extra"]);
        assert_eq!((got.kind, got.rc_beside), (InputKind::RcConf, None));
    }

    /// What a later -f file's parse noted comes along: its `mount` statements (the
    /// fstab moves their entries) and its comments cutting a word (check warns).
    #[test]
    fn later_files_bring_what_their_parse_noted() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.conf"), "a { path = /j/a; }\n").unwrap();
        std::fs::write(
            d.path().join("b.conf"),
            "b { path = /j/b#cut\n; mount += \"/x /j/b/x nullfs ro 0 0\"; depend = a; }\n",
        )
        .unwrap();
        let loader = Loader::new(Some(d.path().to_path_buf()));
        let one = parse_jail_confs(&loader, &["/a.conf".into()]).unwrap();
        assert!(!one.mounts && !one.depends && one.cuts.is_empty());
        let both = parse_jail_confs(&loader, &["/a.conf".into(), "/b.conf".into()]).unwrap();
        assert!(both.mounts && both.depends);
        assert_eq!(both.cuts.len(), 1);
        assert!(
            format!("{:?}", both.cuts[0].loc).contains("b.conf"),
            "{:?}",
            both.cuts[0].loc
        );
    }

    /// A later -f file's statements are located in that file (`CfParam::file` indexes
    /// the joined `sources`), its includes too, and its dotted names are noted.
    #[test]
    fn later_files_statements_are_in_their_files() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.conf"), "a {\n path = /j/a;\n}\n").unwrap();
        std::fs::write(
            d.path().join("b.conf"),
            "\nweb.b {\n path = /j/b;\n .include \"/c.conf\";\n}\n",
        )
        .unwrap();
        std::fs::write(d.path().join("c.conf"), "\n\n host.hostname = b;\n").unwrap();
        let loader = Loader::new(Some(d.path().to_path_buf()));
        let both = parse_jail_confs(&loader, &["/a.conf".into(), "/b.conf".into()]).unwrap();
        assert!(both.dotted);
        let at: Vec<String> = both
            .jails
            .iter()
            .flat_map(|j| both.params(j))
            .map(|p| {
                let loc = both.loc_of(p).unwrap();
                format!("{} {}:{}", p.name, loc.file(), loc.line())
            })
            .collect();
        assert_eq!(
            at,
            ["path /a.conf:2", "path /b.conf:3", "host.hostname /c.conf:3"]
        );
    }
}
