//! jail(8) start and stop, jls(8), and rc.d/jail behind `service jail`.
//!
//! jail(8) (usr.sbin/jail/jail.c `startcommands[]`/`stopcommands[]`, command.c
//! `next_command`/`run_command`/`check_path`, config.c `check_intparams`):
//! * The configuration is read with jailvol's own parser and model (checked against
//!   FreeBSD's parser elsewhere); every `mount.fstab` file is read when the
//!   configuration is loaded, before any step: each line up to `#` is one entry (an
//!   unreadable file fails the jail first).
//! * Start runs, in this order: exec.prepare, (addresses: not modelled), the `mount`
//!   parameter's entries, the mount.fstab entries, mount.devfs, mount.fdescfs,
//!   mount.procfs, exec.prestart, the creation (`path` must be an existing directory),
//!   exec.created, (vnet.interface), exec.start and `command` (in the jail: not run by
//!   the model), exec.poststart.
//! * A mount entry is split on blanks, four fields used (fields 1-2 vis(3)-decoded);
//!   none: skipped; fewer than three: "missing information". Its mount point must be
//!   absolute, and below the jail's path every component must exist and not be a
//!   symbolic link. It is mounted with `mount -t TYPE [-o OPTS] SPECIAL POINT`.
//! * When a start step fails, jail(8) walks back over what it did in reverse (unmounts,
//!   removes the jail) and runs none of the exec hooks: exec.release does not run.
//! * Stop runs exec.prestop, exec.stop (in the jail: not run), the removal,
//!   exec.poststop, unmounts procfs, fdescfs, devfs, the mount.fstab entries in reverse,
//!   the `mount` entries in reverse (each only when its point is a mount point of the
//!   entry's type: "not a mount point" / "not a TYPE mount" otherwise, a failure), then
//!   exec.release. A failing stop step fails the run (exit 1) but the rest still runs.
//! * Hooks: a command with any of `!"$&'()*;<>?[\]`{|}~` runs as `/bin/sh -c CMD`,
//!   others are split on blanks and executed; a non-zero exit fails the step. With
//!   exec.clean jail(8) sets PATH=/bin:/usr/bin; the model puts its own directory first
//!   (it stands in for /sbin and /usr/sbin).

use std::path::Path;
use std::process::Command;

use jailvol::model::{Config, Jail as CfJail};
use jailvol::parse::loader::Loader;

use crate::state::{Jail, State};
use crate::{Ctx, realpath, strerror};

const SH_SPECIAL: &[char] = &[
    '!', '"', '$', '&', '\'', '(', ')', '*', ';', '<', '>', '?', '[', '\\', ']', '`', '{', '|', '}', '~',
];

/// A start step that can be undone, recorded as it is done.
enum Done {
    /// A mount made from an entry: (point, type).
    Mounted(String, String),
    Created,
}

struct Run<'a> {
    ctx: &'a Ctx,
    name: String,
    jail: &'a CfJail,
    path: String,
    failed: bool,
}

pub fn jail(ctx: &Ctx) -> i32 {
    let mut conf = "/etc/jail.conf".to_owned();
    let mut op = None;
    let mut names = Vec::new();
    let mut print_jid = false;
    let mut i = 0;
    while i < ctx.args.len() {
        let a = ctx.args[i].as_str();
        match a {
            "-f" => {
                i += 1;
                match ctx.args.get(i) {
                    Some(f) => conf = f.clone(),
                    None => return usage(),
                }
            }
            "-c" => op = Some('c'),
            "-r" => op = Some('r'),
            "-R" => op = Some('R'),
            "-i" => print_jid = true,
            "-q" | "-v" | "-d" | "-h" | "-l" => {}
            "-p" => i += 1,
            s if s.starts_with('-') => return usage(),
            s => names.push(s.to_owned()),
        }
        i += 1;
    }
    let Some(op) = op else { return usage() };
    if op == 'R' {
        let mut code = 0;
        for n in names {
            code |= ctx.with(|st| match st.jails.iter().position(|j| j.name == n) {
                Some(i) => {
                    st.jails.remove(i);
                    0
                }
                None => ctx.err(format!("\"{n}\" not found")),
            });
        }
        return code;
    }
    let cfg = match load(&conf) {
        Ok(c) => c,
        Err(m) => {
            eprintln!("jail: {m}");
            return 1;
        }
    };
    if names.is_empty() && op == 'c' {
        names = cfg.jails.iter().map(|j| j.name.clone()).collect();
    }
    let mut code = 0;
    for n in &names {
        let Some(cj) = cfg.jails.iter().find(|j| &j.name == n) else {
            let why: Vec<String> = cfg
                .errors
                .iter()
                .filter(|d| d.jail.as_deref() == Some(n.as_str()))
                .map(|d| d.message.clone())
                .collect();
            if op == 'r' && ctx.with(|st| remove(st, n)) {
                // jail -r of a running jail that the configuration does not list: it is
                // only removed.
                continue;
            }
            if why.is_empty() {
                eprintln!("jail: \"{n}\" not found");
            } else {
                for w in why {
                    eprintln!("jail: {n}: {w}");
                }
            }
            code = 1;
            continue;
        };
        let ok = if op == 'c' {
            start(ctx, cj, print_jid)
        } else {
            stop(ctx, cj)
        };
        if !ok {
            code = 1;
        }
    }
    code
}

fn usage() -> i32 {
    eprintln!(
        "usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username] [-cmr] param=value ... [command=command ...]\n       jail [-dqv] [-f file] -[cmr] [jail]"
    );
    1
}

fn remove(st: &mut State, name: &str) -> bool {
    match st.jails.iter().position(|j| j.name == name) {
        Some(i) => {
            st.jails.remove(i);
            true
        }
        None => false,
    }
}

/// The configuration as jail(8) loads it, or the message it gives.
fn load(conf: &str) -> Result<Config, String> {
    let loader = Loader::new(None);
    let parsed = jailvol::input::parse_jail_confs(&loader, &[conf.to_owned()]).map_err(|d| d.render())?;
    Ok(jailvol::model::load(&parsed))
}

fn values(j: &CfJail, name: &str) -> Vec<String> {
    j.param(name)
        .map(|e| e.values.iter().map(|v| v.as_str().to_owned()).collect())
        .unwrap_or_default()
}

/// config.c: every mount.fstab file, line by line, cut at `#`.
fn fstab_entries(j: &CfJail) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for f in values(j, "mount.fstab") {
        if f.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(&f).map_err(|e| format!("mount.fstab: {f}: {}", strerror(&e)))?;
        for line in text.lines() {
            out.push(line.split('#').next().unwrap_or("").to_owned());
        }
    }
    Ok(out)
}

/// strunvis(3) for the octal and backslash escapes an fstab uses.
fn unvis(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let oct: Vec<u8> = b[i + 1..]
                .iter()
                .take(3)
                .take_while(|c| (b'0'..=b'7').contains(c))
                .copied()
                .collect();
            if !oct.is_empty() {
                let v = oct.iter().fold(0u32, |a, c| a * 8 + u32::from(c - b'0'));
                out.push(v as u8);
                i += 1 + oct.len();
                continue;
            }
            if b[i + 1] == b'\\' {
                out.push(b'\\');
                i += 2;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Run<'_> {
    fn warn(&self, msg: impl std::fmt::Display) {
        eprintln!("jail: {}: {msg}", self.name);
    }

    /// command.c `check_path`.
    fn check_path(&self, what: &str, p: &str, umount_type: Option<&str>) -> bool {
        if !p.starts_with('/') {
            self.warn(format!("{what}: {p}: not an absolute pathname"));
            return false;
        }
        let jp = self.path.trim_end_matches('/');
        if let Some(rest) = p.strip_prefix(jp).filter(|r| r.starts_with('/')) {
            let mut cur = jp.to_owned();
            for comp in rest.split('/').filter(|c| !c.is_empty()) {
                cur.push('/');
                cur.push_str(comp);
                match std::fs::symlink_metadata(&cur) {
                    Err(e) => {
                        self.warn(format!("{what}: {cur}: {}", strerror(&e)));
                        return false;
                    }
                    Ok(m) if m.file_type().is_symlink() => {
                        self.warn(format!("{what}: {cur} is a symbolic link"));
                        return false;
                    }
                    Ok(_) => {}
                }
            }
        }
        if let Some(t) = umount_type {
            let real = realpath(p).unwrap_or_else(|_| p.to_owned());
            let st = self.ctx.state();
            match st.mount_at(&real) {
                None => {
                    self.warn(format!("{what}: {p}: not a mount point"));
                    return false;
                }
                Some(m) if m.fstype != t => {
                    self.warn(format!("{what}: {p}: not a {t} mount"));
                    return false;
                }
                Some(_) => {}
            }
        }
        true
    }

    /// Run a program the way jail(8) does (fork + exec), on the caller's PATH.
    fn exec(&self, argv: &[String], clean: bool) -> bool {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        if clean {
            let bin = self.ctx.state().bin;
            c.env_clear().env("PATH", format!("{bin}:/bin:/usr/bin"));
            if let Some(s) = std::env::var_os(crate::state::STATE_ENV) {
                c.env(crate::state::STATE_ENV, s);
            }
        }
        match c.status() {
            Ok(s) if s.success() => true,
            Ok(_) => {
                self.warn(format!("{}: failed", argv.join(" ")));
                false
            }
            Err(e) => {
                self.warn(format!("exec {}: {}", argv[0], strerror(&e)));
                false
            }
        }
    }

    /// A host-side exec.* command string.
    fn hook(&self, cmd: &str) -> bool {
        if cmd.is_empty() {
            return true;
        }
        let clean = self.jail.bool_param("exec.clean");
        let special = cmd.find(SH_SPECIAL);
        let argv: Vec<String> = match special {
            Some(i) if cmd[i..] != *"&" => vec!["/bin/sh".into(), "-c".into(), cmd.into()],
            _ => cmd
                .trim_end_matches('&')
                .split([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        if argv.is_empty() {
            return true;
        }
        self.exec(&argv, clean)
    }

    fn hooks(&self, name: &str) -> bool {
        values(self.jail, name).iter().all(|c| self.hook(c))
    }

    /// One `mount` / mount.fstab entry, up; Some(point, type) when something was mounted.
    fn mount_entry(&self, what: &str, entry: &str) -> Result<Option<(String, String)>, ()> {
        let f: Vec<&str> = entry
            .split([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
            .filter(|w| !w.is_empty())
            .take(4)
            .collect();
        if f.is_empty() {
            return Ok(None);
        }
        if f.len() < 3 {
            self.warn(format!("{what}: {entry}: missing information"));
            return Err(());
        }
        let (dev, point) = (unvis(f[0]), unvis(f[1]));
        if !self.check_path(what, &point, None) {
            return Err(());
        }
        let mut argv = vec!["mount".to_owned(), "-t".into(), f[2].to_owned()];
        if let Some(o) = f.get(3) {
            argv.push("-o".into());
            argv.push((*o).to_owned());
        }
        argv.push(dev);
        argv.push(point.clone());
        if self.exec(&argv, false) {
            Ok(Some((point, f[2].to_owned())))
        } else {
            Err(())
        }
    }

    /// Unmount one entry on the way down.
    fn unmount_entry(&mut self, what: &str, point: &str, fstype: &str) {
        if !self.check_path(what, point, Some(fstype)) {
            self.failed = true;
            return;
        }
        let argv = vec![
            "umount".to_owned(),
            "-t".into(),
            fstype.to_owned(),
            point.to_owned(),
        ];
        if !self.exec(&argv, false) {
            self.failed = true;
        }
    }

    fn pseudo(&self) -> Vec<(&'static str, String, &'static str)> {
        let p = self.path.trim_end_matches('/');
        let mut v = Vec::new();
        if self.jail.bool_param("mount.devfs") {
            v.push(("mount.devfs", format!("{p}/dev"), "devfs"));
        }
        if self.jail.bool_param("mount.fdescfs") {
            v.push(("mount.fdescfs", format!("{p}/dev/fd"), "fdescfs"));
        }
        if self.jail.bool_param("mount.procfs") {
            v.push(("mount.procfs", format!("{p}/proc"), "procfs"));
        }
        v
    }
}

fn start(ctx: &Ctx, j: &CfJail, print_jid: bool) -> bool {
    let name = j.name.clone();
    if ctx.state().jail(&name).is_some() {
        eprintln!("jail: {name}: already exists");
        return false;
    }
    let path = j.scalar("path").unwrap_or("").to_owned();
    let mut run = Run {
        ctx,
        name: name.clone(),
        jail: j,
        path: path.clone(),
        failed: false,
    };
    let fstab = match fstab_entries(j) {
        Ok(f) => f,
        Err(m) => {
            run.warn(m);
            return false;
        }
    };
    let mut done: Vec<Done> = Vec::new();
    let ok = (|| {
        if !run.hooks("exec.prepare") {
            return false;
        }
        for (what, entries) in [("mount", values(j, "mount")), ("mount.fstab", fstab.clone())] {
            for e in entries {
                match run.mount_entry(what, &e) {
                    Ok(Some((p, t))) => done.push(Done::Mounted(p, t)),
                    Ok(None) => {}
                    Err(()) => return false,
                }
            }
        }
        for (what, point, t) in run.pseudo() {
            if !run.check_path(what, &point, None) {
                return false;
            }
            let argv = vec![
                "mount".to_owned(),
                "-t".into(),
                t.to_owned(),
                t.to_owned(),
                point.clone(),
            ];
            if !run.exec(&argv, false) {
                return false;
            }
            done.push(Done::Mounted(point, t.to_owned()));
        }
        if !run.hooks("exec.prestart") {
            return false;
        }
        // The creation: jail_set(2) needs an existing directory.
        let real = match realpath(&path) {
            Ok(r) if Path::new(&r).is_dir() => r,
            Ok(_) => {
                run.warn(format!("jail_set: path {path}: Not a directory"));
                return false;
            }
            Err(e) => {
                run.warn(format!("jail_set: path {path}: {}", strerror(&e)));
                return false;
            }
        };
        let hostname = j.scalar("host.hostname").unwrap_or("").to_owned();
        let jid = ctx.with(|st| {
            st.next_jid += 1;
            let jid = st.next_jid;
            st.jails.push(Jail {
                jid,
                name: name.clone(),
                path: real,
                hostname,
            });
            jid
        });
        done.push(Done::Created);
        if print_jid {
            println!("{jid}");
        }
        eprintln!("{name}: created");
        if !run.hooks("exec.created") {
            return false;
        }
        // exec.start and command run inside the jail: not modelled.
        run.hooks("exec.poststart")
    })();
    if ok {
        return true;
    }
    // next_command with JF_FAILED: back over what was done, no exec hooks.
    while let Some(d) = done.pop() {
        match d {
            Done::Created => {
                ctx.with(|st| remove(st, &name));
                eprintln!("{name}: removed");
            }
            Done::Mounted(p, t) => run.unmount_entry("mount", &p, &t),
        }
    }
    false
}

fn stop(ctx: &Ctx, j: &CfJail) -> bool {
    let name = j.name.clone();
    let Some(running) = ctx.state().jail(&name).cloned() else {
        eprintln!("jail: \"{name}\" not found");
        return false;
    };
    let path = j.scalar("path").map_or(running.path.clone(), str::to_owned);
    let mut run = Run {
        ctx,
        name: name.clone(),
        jail: j,
        path,
        failed: false,
    };
    let fstab = fstab_entries(j).unwrap_or_else(|m| {
        run.warn(&m);
        run.failed = true;
        Vec::new()
    });
    if !run.hooks("exec.prestop") {
        run.failed = true;
    }
    ctx.with(|st| remove(st, &name));
    eprintln!("{name}: removed");
    if !run.hooks("exec.poststop") {
        run.failed = true;
    }
    for (what, point, t) in run.pseudo().into_iter().rev() {
        run.unmount_entry(what, &point, t);
    }
    for (what, entries) in [("mount.fstab", fstab), ("mount", values(j, "mount"))] {
        for e in entries.iter().rev() {
            let f: Vec<&str> = e
                .split([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
                .filter(|w| !w.is_empty())
                .take(4)
                .collect();
            if f.is_empty() {
                continue;
            }
            if f.len() < 3 {
                run.warn(format!("{what}: {e}: missing information"));
                run.failed = true;
                continue;
            }
            let point = unvis(f[1]);
            run.unmount_entry(what, &point, f[2]);
        }
    }
    if !run.hooks("exec.release") {
        run.failed = true;
    }
    !run.failed
}

pub fn jls(ctx: &Ctx) -> i32 {
    let mut only: Option<String> = None;
    let mut params = Vec::new();
    let mut i = 0;
    while i < ctx.args.len() {
        match ctx.args[i].as_str() {
            "-j" => {
                i += 1;
                only = ctx.args.get(i).cloned();
            }
            s if s.starts_with('-') => {}
            s => params.push(s.to_owned()),
        }
        i += 1;
    }
    let st = ctx.state();
    let jails: Vec<&Jail> = match &only {
        Some(n) => match st.jail(n) {
            Some(j) => vec![j],
            None => {
                eprintln!("jls: jail \"{n}\" not found");
                return 1;
            }
        },
        None => st.jails.iter().collect(),
    };
    if params.is_empty() {
        println!("   JID  IP Address      Hostname                      Path");
        for j in jails {
            println!("{:>6}  {:<15} {:<29} {}", j.jid, "", j.hostname, j.path);
        }
        return 0;
    }
    for j in jails {
        let v: Vec<String> = params
            .iter()
            .map(|p| match p.as_str() {
                "jid" => j.jid.to_string(),
                "name" => j.name.clone(),
                "path" => j.path.clone(),
                "host.hostname" => j.hostname.clone(),
                _ => "-".to_owned(),
            })
            .collect();
        println!("{}", v.join(" "));
    }
    0
}

/// `service jail start|stop [NAME...]`: libexec/rc/rc.d/jail as of FreeBSD 14/15.
///
/// * `start`/`stop` need `jail_enable=YES` (rc.subr `run_rc_command`: "Cannot 'start'
///   jail. Set jail_enable to YES ...", exit status 0); `onestart`/`onestop` do not.
/// * For each NAME (`_j`: `/` and `.` become `_`; `_jv`: every non-alphanumeric byte
///   becomes `_`), `parse_options`: with both `jail_${_jv}_rootdir` and
///   `jail_${_jv}_hostname` set, the legacy variables are converted (by jailvol's own
///   conversion, itself checked against rc.d/jail) into `/var/run/jail.${_j}.conf` (here:
///   `STATE/run/`); else `jail_${_jv}_conf` (default `/etc/jail.${_j}.conf`), else
///   `/etc/jail.conf.d/${_j}.conf`, else `$jail_conf`, the first readable.
/// * `jail -i -f CONF -c _j` per name; a failure prints "cannot start jail" and the
///   jail's output, and the script still exits 0 (`jail_start` ends with `echo '.'`).
///   Stop: `jail -q -f CONF -r _j` for names `jls -j` finds running, exit 0.
/// * Without names: `$jail_list`, and when that is empty `jail -f $jail_conf -c` for all.
///
/// `service ezjail` is ezjail's rc script (ezjail.rs).
pub fn service(ctx: &Ctx) -> i32 {
    let [script, verb, names @ ..] = &ctx.args[..] else {
        return ctx.err("usage: service NAME COMMAND");
    };
    match script.as_str() {
        "jail" => rc_jail(ctx, verb, names, &[]),
        "ezjail" => crate::ezjail::service(ctx, verb, names),
        _ => ctx.err(format!(
            "{script} does not exist in /etc/rc.d or the local startup directories"
        )),
    }
}

/// rc.d/jail with `verb` and `names`. `env` are files whose exported variables the
/// caller's environment holds (ezjail.sh sources each jail's file, then runs `sh
/// /etc/rc.d/jail`): they come before the rc.conf files, which rc.d/jail's own
/// `load_rc_config` reads again and which win where both set a variable.
pub fn rc_jail(ctx: &Ctx, verb: &str, names: &[String], env: &[String]) -> i32 {
    let st = ctx.state();
    let loader = Loader::new(None);
    let files: Vec<String> = env.iter().chain(st.rc_conf.iter()).cloned().collect();
    let vars = if files.is_empty() {
        jailvol::parse::rcconf::RcVars::default()
    } else {
        match jailvol::parse::rcconf::load_files(&loader, &files, &Default::default()) {
            Ok((v, _)) => v,
            Err(d) => return ctx.err(d.render()),
        }
    };
    let get = |n: &str| vars.get(n).unwrap_or("").to_owned();
    let (one, verb) = match verb.strip_prefix("one") {
        Some(v) => (true, v),
        None => (false, verb),
    };
    if !one
        && !matches!(
            get("jail_enable").to_ascii_lowercase().as_str(),
            "yes" | "true" | "on" | "1"
        )
    {
        println!(
            "Cannot '{verb}' jail. Set jail_enable to YES in /etc/rc.conf or use 'one{verb}' instead of '{verb}'."
        );
        return 0;
    }
    let jail_conf = match get("jail_conf") {
        s if s.is_empty() => "/etc/jail.conf".to_owned(),
        s => s,
    };
    let mut names: Vec<String> = names.to_vec();
    if names.is_empty() {
        names = get("jail_list").split_whitespace().map(str::to_owned).collect();
    }
    // The model's own jail(8), as rc.d/jail runs /usr/sbin/jail.
    let jail_bin = Path::new(&st.bin).join("jail");
    let jail_cmd = || Command::new(&jail_bin);
    match verb {
        "start" => {
            print!("Starting jails:");
            if names.is_empty() {
                let out = jail_cmd().args(["-f", &jail_conf, "-c"]).output();
                if let Ok(o) = out
                    && !o.status.success()
                {
                    print!(
                        "{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    );
                }
            }
            for n in &names {
                let (j, conf) = match parse_options(ctx, &vars, &loader, n, &jail_conf) {
                    Ok(x) => x,
                    Err(m) => {
                        println!("\n{m}");
                        continue;
                    }
                };
                let out = jail_cmd().args(["-i", "-f", &conf, "-c", &j]).output();
                match out {
                    Ok(o) if o.status.success() => print!(" {j}"),
                    Ok(o) => print!(
                        " cannot start jail  \"{j}\": \n{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    ),
                    Err(e) => println!(" cannot start jail  \"{j}\": {e}"),
                }
            }
            println!(".");
            0
        }
        "stop" => {
            print!("Stopping jails:");
            for n in &names {
                let Ok((j, conf)) = parse_options(ctx, &vars, &loader, n, &jail_conf) else {
                    continue;
                };
                if ctx.state().jail(&j).is_none() {
                    continue;
                }
                print!(" {j}");
                if let Ok(o) = jail_cmd().args(["-q", "-f", &conf, "-r", &j]).output()
                    && ctx.state().jail(&j).is_some()
                {
                    print!(
                        "{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    );
                }
            }
            println!(".");
            0
        }
        other => ctx.err(format!("{other}: not modelled")),
    }
}

/// rc.d/jail `parse_options`: the jail name to use and its configuration file.
fn parse_options(
    ctx: &Ctx,
    vars: &jailvol::parse::rcconf::RcVars,
    loader: &Loader,
    name: &str,
    jail_conf: &str,
) -> Result<(String, String), String> {
    let j: String = name
        .chars()
        .map(|c| if c == '/' || c == '.' { '_' } else { c })
        .collect();
    let jv: String = j
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let get = |s: &str| vars.get(&format!("jail_{jv}_{s}")).unwrap_or("").to_owned();
    if !get("rootdir").is_empty() && !get("hostname").is_empty() {
        let opts = jailvol::legacy::Options {
            names: vec![name.to_owned()],
            ..Default::default()
        };
        let conv = jailvol::legacy::convert(vars, loader, &opts);
        if let Some(e) = conv.errors.first() {
            return Err(e.render());
        }
        let dir = ctx.dir.join("run");
        let _ = std::fs::create_dir_all(&dir);
        let conf = dir.join(format!("jail.{j}.conf"));
        std::fs::write(&conf, conv.render(false)).map_err(|e| e.to_string())?;
        return Ok((j, conf.display().to_string()));
    }
    let own = match get("conf") {
        s if s.is_empty() => format!("/etc/jail.{j}.conf"),
        s => s,
    };
    for c in [own, format!("/etc/jail.conf.d/{j}.conf"), jail_conf.to_owned()] {
        if std::fs::File::open(&c).is_ok() {
            return Ok((j, c));
        }
    }
    Err(format!(
        "Invalid configuration for {name} (no jail.conf, no hostname, or no path).  Jail {name} was ignored."
    ))
}
