//! One jail's block, statement by statement as rc.d/jail's `parse_options` echoes it:
//! the per-parameter mapping from `jail_<jv>_*` variables to jail.conf parameters.

use std::borrow::Cow;
use std::os::unix::fs::OpenOptionsExt;

use crate::diag::Diag;
use crate::lint::Lint;
use crate::model::{INTPARAMS, equalopts, strtol};
use crate::parse::loader::Loader;

use super::statement::{Stmt, parse_statement};
use super::vars::{Hit, Named, VOLUME_VARS, Vars, has_ifs, ifs_words, number_of, push_num};
use super::{Block, Era, Few, Line, Op, Options, Origin, ip, var_infix, yesno};

/// What converting one jail gave.
pub(super) struct Converted<'a> {
    /// None when rc.d/jail would not convert it, or it has errors.
    pub(super) block: Option<Block<'a>>,
    pub(super) warnings: Vec<Diag>,
    pub(super) errors: Vec<Diag>,
}

/// Convert jail `j` (a name rc.d/jail accepts, listed once) from the variables `vars`.
pub(super) fn convert_jail<'a>(
    vars: &Vars<'a>,
    loader: &Loader,
    opts: &Options,
    j: String,
    list_origin: Option<Origin<'a>>,
) -> Converted<'a> {
    let jv = var_infix(&j);
    let mut jc = JailConv {
        vars,
        own: vars.own_of(&jv),
        loader,
        opts,
        j,
        jv,
        lines: Vec::with_capacity(24),
        warnings: Vec::new(),
        errors: Vec::new(),
        list_origin,
        user_lines: Vec::new(),
        rejected: Vec::new(),
    };
    let header = jc.convert(list_origin.as_ref());
    if jc.errors.is_empty() && !jc.user_lines.is_empty() {
        jc.check_values();
    }
    let block = match header {
        Some(hostname_origin) if jc.errors.is_empty() => Some(Block {
            name: jc.j,
            jv: jc.jv,
            from: Few::from(list_origin),
            loc: hostname_origin.and_then(|o| o.loc()),
            lines: jc.lines,
            rejected: jc.rejected,
        }),
        // Errors are reported only for a jail rc.d/jail would convert.
        Some(_) => None,
        None => {
            jc.errors.clear();
            None
        }
    };
    Converted {
        block,
        warnings: jc.warnings,
        errors: jc.errors,
    }
}

pub(super) struct JailConv<'v, 'a> {
    vars: &'v Vars<'a>,
    /// This jail's own variables (`Vars::own_of`).
    own: &'v [Named<'a>],
    loader: &'v Loader,
    opts: &'v Options,
    j: String,
    jv: String,
    lines: Vec<Line<'a>>,
    warnings: Vec<Diag>,
    errors: Vec<Diag>,
    /// Where the jail was listed (`jail_list`), None for command-line names.
    list_origin: Option<Origin<'a>>,
    /// Lines whose values came from the user where jail(8) may expect a boolean or an
    /// integer (`fib`, `parameters` words): checked by check_values.
    user_lines: Vec<usize>,
    /// What jail(8) says of those values (`Block::rejected`).
    rejected: Vec<Diag>,
}

impl<'v, 'a> JailConv<'v, 'a> {
    fn own_name(&self, suffix: &str) -> String {
        let mut n = String::with_capacity(6 + self.jv.len() + suffix.len() + 4);
        n.push_str("jail_");
        n.push_str(&self.jv);
        n.push('_');
        n.push_str(suffix);
        n
    }

    /// `$jail_<jv>_S` alone.
    fn own(&self, suffix: &str) -> Option<Hit<'a>> {
        self.own.iter().find(|n| n.suffix == suffix).map(Hit::of)
    }

    /// `${jail_<jv>_S:-${jail_S:-default}}` (extract_var).
    fn extract(&self, suffix: &str) -> Option<Hit<'a>> {
        self.own(suffix)
            .or_else(|| self.vars.global(suffix).as_ref().map(Hit::of))
    }

    fn extract_or(&self, suffix: &str, default: &'a str) -> Hit<'a> {
        self.extract(suffix).unwrap_or(Hit {
            value: default,
            origin: None,
        })
    }

    /// `checkyesno` on `${jail_<jv>_S:-${jail_S:-default}}`, warning like rc.subr about
    /// a value that is neither yes nor no (taken as no).
    fn yes(&mut self, suffix: &str, default: &'a str) -> (bool, Hit<'a>) {
        let hit = self.extract_or(suffix, default);
        let b = match yesno(hit.value) {
            Some(b) => b,
            None => {
                let name = self.own_name(suffix);
                // rc.subr checkyesno: `warn "\$${1} is not set properly - see rc.conf(5)."`
                self.rc_warn(
                    Lint::UnknownYesNo,
                    hit.origin.as_ref(),
                    format!("${name} is not set properly - see rc.conf(5)."),
                    Some(format!("rc.d/jail takes \"{}\" as NO", hit.value)),
                );
                false
            }
        };
        (b, hit)
    }

    fn warn(&mut self, at: Option<&Origin<'_>>, msg: String, note: Option<String>) {
        let d = self.warning(at, msg, note);
        self.warnings.push(d);
    }

    /// `warn` for one of rc.d/jail's own warnings: it carries the lint code `check`
    /// reports it with on an rc.conf host (docs/checks.md).
    fn rc_warn(&mut self, lint: Lint, at: Option<&Origin<'_>>, msg: String, note: Option<String>) {
        let d = lint.attach(self.warning(at, msg, note));
        self.warnings.push(d);
    }

    fn warning(&self, at: Option<&Origin<'_>>, msg: String, note: Option<String>) -> Diag {
        let d = Diag::warning(at.and_then(Origin::loc), format!("jail {}: {msg}", self.j));
        match note {
            Some(n) => d.with_note(n),
            None => d,
        }
    }

    fn error(&mut self, at: Option<&Origin<'_>>, msg: String, note: &str) {
        self.errors
            .push(Diag::error(at.and_then(Origin::loc), format!("jail {}: {msg}", self.j)).with_note(note));
    }

    fn push(&mut self, name: &'static str, op: Op, values: Few<Cow<'a, str>>, from: Few<Origin<'a>>) {
        self.lines.push(Line {
            name: Cow::Borrowed(name),
            is_var: false,
            op,
            values,
            from,
        });
    }

    /// extract_var with kind `-`: `param = "v";` when non-empty.
    fn plain(&mut self, suffix: &str, param: &'static str, default: &'a str) {
        let hit = self.extract_or(suffix, default);
        if !hit.value.is_empty() {
            self.push(param, Op::Set, Few::One(Cow::Borrowed(hit.value)), hit.from());
        }
    }

    /// extract_var with kind `YN`/`NY`: `param = 1;` or `param = 0;`.
    fn boolean(&mut self, suffix: &str, param: &'static str, default: &'a str, inverted: bool) {
        let (b, hit) = self.yes(suffix, default);
        let v = if b != inverted { "1" } else { "0" };
        self.push(param, Op::Set, Few::One(Cow::Borrowed(v)), hit.from());
    }

    /// extract_var with a number: `S0` (optional), `S1`, ... each with its own global
    /// fallback, until the first empty index ≥ 1; every entry is `param += "v";`.
    fn numbered(&mut self, suffix: &str, param: &'static str) {
        let mut i: u64 = 0;
        let mut s = String::with_capacity(suffix.len() + 4);
        loop {
            s.clear();
            s.push_str(suffix);
            push_num(&mut s, i);
            match self.extract(&s) {
                Some(hit) => self.push(param, Op::Append, Few::One(Cow::Borrowed(hit.value)), hit.from()),
                None if i != 0 => break,
                None => {}
            }
            i += 1;
        }
        self.gap(suffix, i, true);
    }

    /// Warn about numbered variables past the index where reading stopped.
    fn gap(&mut self, suffix: &str, stop: u64, with_global: bool) {
        let globals: &[Named<'a>] = if with_global { &self.vars.globals } else { &[] };
        let mut late: Option<(u64, Named<'a>)> = None;
        for n in self.own.iter().chain(globals) {
            if let Some(k) = number_of(n.suffix, suffix).filter(|&k| k > stop)
                && late.is_none_or(|(lk, l)| (k, n.name) < (lk, l.name))
            {
                late = Some((k, *n));
            }
        }
        if let Some((_, n)) = late {
            let origin = Origin::of(n.name, n.var);
            let own = self.own_name(suffix);
            let stop_name = format!("{own}{stop}");
            let name = n.name;
            self.warn(
                Some(&origin),
                format!(
                    "{name} is never read: rc.d/jail stops at the first empty index ({stop_name} is not set)"
                ),
                Some("number the entries without gaps".to_owned()),
            );
        }
    }

    /// Warn when a variable is set but ignored in this configuration; `why` is only
    /// built then.
    fn ignored(&mut self, suffix: &str, why: impl FnOnce(&Self) -> String) {
        if let Some(hit) = self.extract(suffix) {
            let var = hit.origin.map(|o| o.var).unwrap_or_default();
            let why = why(self);
            self.warn(hit.origin.as_ref(), format!("{var} is ignored: {why}"), None);
        }
    }

    /// `[ -r FILE ]` below the root. A directory is listed once, so that most checks of
    /// files that do not exist (thousands of `/etc/fstab.NAME`) cost no system call.
    fn readable(&self, host: &str) -> bool {
        let p = self.loader.real_path(host);
        if let (Some(dir), Some(file)) = (p.parent(), p.file_name()) {
            let mut cache = self.vars.dirs.borrow_mut();
            // Keyed by the bytes of the directory (hashing a Path parses its components).
            let key = dir.as_os_str();
            if !cache.contains_key(key) {
                let names = std::fs::read_dir(dir)
                    .ok()
                    .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.file_name())).collect());
                cache.insert(key.to_owned(), names);
            }
            match cache.get(key) {
                Some(Some(names)) if names.contains(file) => {}
                _ => return false,
            }
        }
        // Non-blocking: a FIFO named as an fstab must not hang the conversion.
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&p)
            .is_ok()
    }

    /// parse_options(): the block for one jail, or None when rc.d/jail would not convert
    /// it (with a warning saying why). Some(where the hostname was set) otherwise.
    fn convert(&mut self, list_origin: Option<&Origin<'a>>) -> Option<Option<Origin<'a>>> {
        let (hostname, rootdir, ip) = self.header(list_origin)?;
        let (start, stop) = self.exec_commands();
        let interface = self.extract("interface");
        self.check_interface(interface.as_ref());
        // The block, line by line as parse_options echoes it.
        self.push(
            "host.hostname",
            Op::Set,
            Few::One(Cow::Borrowed(hostname.value)),
            hostname.from(),
        );
        self.push(
            "path",
            Op::Set,
            Few::One(Cow::Borrowed(rootdir.value)),
            rootdir.from(),
        );
        match &ip {
            Some(ip) => self.addressed(ip, interface.as_ref()),
            None => self.vnet(),
        }
        self.vnet_interfaces_typo();
        self.commands(start, stop);
        self.consolelog();
        self.fstab();
        self.mounts();
        self.boolean("set_hostname_allow", "allow.set_hostname", "NO", false);
        self.boolean("sysvipc_allow", "allow.sysvipc", "NO", false);
        self.plain("enforce_statfs", "enforce_statfs", "2");
        self.plain("osreldate", "osreldate", "");
        self.plain("osrelease", "osrelease", "");
        self.parameters();
        self.volumes();
        self.flags();
        Some(hostname.origin)
    }

    /// The variables without which rc.d/jail does not convert the jail (with a warning
    /// saying why): `hostname`, `rootdir`, and `ip` without VIMAGE; and rc.d/jail's
    /// notice when a jail.conf file exists too.
    fn header(&mut self, list_origin: Option<&Origin<'a>>) -> Option<(Hit<'a>, Hit<'a>, Option<Hit<'a>>)> {
        let rootdir = self.own("rootdir");
        let hostname = self.own("hostname");
        let (Some(hostname), Some(rootdir)) = (hostname, rootdir) else {
            self.missing(list_origin);
            return None;
        };
        let ip = self.own("ip");
        if ip.is_none() && !self.opts.vimage {
            self.warn(
                list_origin,
                format!(
                    "no ipaddress specified and no vimage support.  Jail {} was ignored.",
                    self.j
                ),
                Some(format!(
                    "set {} or convert for a VIMAGE kernel",
                    self.own_name("ip")
                )),
            );
            return None;
        }
        // rc.d/jail's `[ -r "$jail_conf" -o -r "$_jconf" ]` notice ("/var/run/jail.NAME.conf
        // is created and used for jail NAME.", libexec/rc/rc.d/jail parse_options) is
        // about its own temporary file, which a converted jail.conf replaces: not
        // repeated (issue 22).
        Some((hostname, rootdir, ip))
    }

    /// `exec` / `exec_start` / `exec_stop`, per jail only: the start and stop commands.
    fn exec_commands(&mut self) -> (Hit<'a>, Hit<'a>) {
        let exec = self.own("exec");
        let exec_start = self.own("exec_start");
        let exec_stop = self.own("exec_stop");
        match &exec {
            Some(e) => {
                for s in ["exec_start", "exec_stop"] {
                    self.ignored(s, |c| format!("{} replaces it", c.own_name("exec")));
                }
                (
                    *e,
                    Hit {
                        value: "",
                        origin: e.origin,
                    },
                )
            }
            None => match &exec_start {
                None => {
                    let start = Hit {
                        value: "/bin/sh /etc/rc",
                        origin: None,
                    };
                    let stop = exec_stop.unwrap_or(Hit {
                        value: "/bin/sh /etc/rc.shutdown jail",
                        origin: None,
                    });
                    (start, stop)
                }
                Some(s) => {
                    let stop = exec_stop.unwrap_or(Hit {
                        value: "",
                        origin: s.origin,
                    });
                    (*s, stop)
                }
            },
        }
    }

    /// `interface` with whitespace: an error.
    fn check_interface(&mut self, interface: Option<&Hit<'a>>) {
        if let Some(h) = interface.filter(|h| has_ifs(h.value)) {
            let var = h.origin.map(|o| o.var).unwrap_or_default();
            self.error(
                h.origin.as_ref(),
                format!("{var} contains whitespace"),
                "rc.d/jail passes it unquoted: only its first word becomes the addresses' interface, \
                 while `interface` gets the whole text; name one interface",
            );
        }
    }

    /// A jail with `ip`: its addresses (`ip`, `ip_multiN`), the IPv6 DAD sleep, `fib`
    /// and raw sockets.
    fn addressed(&mut self, ip: &Hit<'a>, interface: Option<&Hit<'a>>) {
        let defif = interface.map_or("", |h| h.value);
        if let Some(h) = interface {
            self.push("interface", Op::Set, Few::One(Cow::Borrowed(h.value)), h.from());
        }
        let mut dad_from: Vec<Origin<'a>> = Vec::new();
        self.addresses(ip, interface, defif, &mut dad_from);
        let mut n: u64 = 0;
        let mut s = String::with_capacity(12);
        loop {
            s.clear();
            s.push_str("ip_multi");
            push_num(&mut s, n);
            let Some(multi) = self.own(&s) else { break };
            self.addresses(&multi, interface, defif, &mut dad_from);
            n += 1;
        }
        self.gap("ip_multi", n, false);
        if !dad_from.is_empty() {
            // echo "\texec.start += \"sleep " $((dad_count + 1)) "\";" — echo joins
            // its three arguments with spaces: the value is "sleep  N ".
            let n = self.opts.ipv6_dad_count.saturating_add(1);
            self.push(
                "exec.start",
                Op::Append,
                Few::One(Cow::Owned(format!("sleep  {n} "))),
                Few::from(dad_from),
            );
        }
        let before = self.lines.len();
        self.plain("fib", "exec.fib", "");
        self.user_lines.extend(before..self.lines.len());
        self.boolean("socket_unixiproute_only", "allow.raw_sockets", "YES", true);
        self.ignored("vnet_interface", |_| {
            "a jail with an ip address is not a vnet jail".to_owned()
        });
    }

    /// A jail without `ip`: a vnet jail, and the variables only an `ip` jail uses.
    fn vnet(&mut self) {
        self.push("vnet", Op::Bare, Few::default(), Few::default());
        if let Some(h) = self.extract("vnet_interface") {
            let words: Vec<Cow<'a, str>> = ifs_words(h.value).map(Cow::Borrowed).collect();
            if !words.is_empty() {
                self.push("vnet.interface", Op::Set, Few::from(words), h.from());
            }
        }
        for s in ["fib", "socket_unixiproute_only"] {
            self.ignored(s, |c| {
                format!("only used when {} is set (not for vnet jails)", c.own_name("ip"))
            });
        }
        if let Some(m) = self.own("ip_multi0") {
            let why = format!("{} is not set (a vnet jail)", self.own_name("ip"));
            self.warn(
                m.origin.as_ref(),
                format!("{} is ignored: {why}", self.own_name("ip_multi0")),
                None,
            );
        }
    }

    /// `vnet_interfaces`, the examples' misspelling.
    fn vnet_interfaces_typo(&mut self) {
        if let Some(o) = self.own("vnet_interfaces").and_then(|h| h.origin) {
            let plural = o.var;
            let single = self.own_name("vnet_interface");
            self.warn(
                Some(&o),
                format!("{plural} (plural) is never read by rc.d/jail"),
                Some(format!(
                    "the variable is {single} (the share/examples/jails templates misspell it)"
                )),
            );
        }
    }

    /// The exec.* lines rc.d/jail writes for every jail.
    fn commands(&mut self, start: Hit<'a>, stop: Hit<'a>) {
        self.push("exec.clean", Op::Bare, Few::default(), Few::default());
        self.push(
            "exec.system_user",
            Op::Set,
            Few::One(Cow::Borrowed("root")),
            Few::default(),
        );
        self.push(
            "exec.jail_user",
            Op::Set,
            Few::One(Cow::Borrowed("root")),
            Few::default(),
        );
        self.numbered("exec_prestart", "exec.prestart");
        self.numbered("exec_poststart", "exec.poststart");
        self.numbered("exec_prestop", "exec.prestop");
        self.numbered("exec_poststop", "exec.poststop");
        self.push(
            "exec.start",
            Op::Append,
            Few::One(Cow::Borrowed(start.value)),
            start.from(),
        );
        self.numbered("exec_afterstart", "exec.start");
        self.push(
            "exec.stop",
            Op::Set,
            Few::One(Cow::Borrowed(stop.value)),
            stop.from(),
        );
    }

    /// `exec.consolelog`, by default `/var/log/jail_NAME_console.log`.
    fn consolelog(&mut self) {
        let console = self.extract("consolelog");
        let value = console.as_ref().map_or_else(
            || Cow::Owned(format!("/var/log/jail_{}_console.log", self.j)),
            |h| Cow::Borrowed(h.value),
        );
        let from = console.map(|h| h.from()).unwrap_or_default();
        self.push("exec.consolelog", Op::Set, Few::One(value), from);
    }

    /// devfs (and its ruleset), fdescfs, procfs; `mount_enable` as allow.mount (10.0+).
    fn mounts(&mut self) {
        let (devfs, hit) = self.yes("devfs_enable", "NO");
        if devfs {
            self.push("mount.devfs", Op::Bare, Few::default(), hit.from());
            self.ruleset();
        } else {
            self.ignored("devfs_ruleset", |c| {
                format!("{} is not YES", c.own_name("devfs_enable"))
            });
        }
        for (s, p) in [
            ("fdescfs_enable", "mount.fdescfs"),
            ("procfs_enable", "mount.procfs"),
        ] {
            let (on, hit) = self.yes(s, "NO");
            if on {
                self.push(p, Op::Bare, Few::default(), hit.from());
            }
        }
        let (mount, hit) = self.yes("mount_enable", "NO");
        if mount && self.opts.era == Era::Current {
            self.push("allow.mount", Op::Bare, Few::default(), hit.from());
            self.warn(
                hit.origin.as_ref(),
                "mount_enable=YES grants allow.mount since FreeBSD 10.0".to_owned(),
                Some(
                    "up to 9.x it meant \"mount the jail's fstab\" (now mounted whenever readable); \
                     use --era 9 for that meaning"
                        .to_owned(),
                ),
            );
        }
    }

    /// jail_handle_ips_option for `jail_<jv>_ip` or one `ip_multiN`.
    fn addresses(
        &mut self,
        list: &Hit<'a>,
        interface: Option<&Hit<'a>>,
        defif: &str,
        dad_from: &mut Vec<Origin<'a>>,
    ) {
        let var = list.origin.map(|o| o.var).unwrap_or_default();
        if has_ifs(list.value) {
            self.error(
                list.origin.as_ref(),
                format!("{var} contains whitespace"),
                "rc.d/jail passes it unquoted: the first word is taken as the address list, the second as \
                 the default interface, the rest is lost; separate addresses with commas only",
            );
            return;
        }
        let defif = ifs_words(defif).next().unwrap_or("");
        for item in ip::items(list.value) {
            match ip::extract(item, defif) {
                Ok(a) => {
                    let mut from = list.from();
                    if a.default_iface {
                        from.extend(interface.map(Hit::from).unwrap_or_default());
                    }
                    if a.family == ip::Family::Inet6 && !dad_from.iter().any(|o| o.var == var) {
                        dad_from.extend(list.from());
                    }
                    self.push(a.family.param(), Op::Append, Few::One(Cow::Owned(a.value)), from);
                }
                Err(ip::Dropped::Empty) => self.rc_warn(
                    Lint::EmptyAddress,
                    list.origin.as_ref(),
                    format!("{var}: empty address in the list, skipped"),
                    None,
                ),
                Err(ip::Dropped::Type(addr)) => self.rc_warn(
                    Lint::UnidentifiedAddress,
                    list.origin.as_ref(),
                    format!("{var}: jail_extract_address: type not identified: \"{item}\" is skipped"),
                    Some(format!(
                        "\"{addr}\" has neither three dots (IPv4) nor a colon (IPv6)"
                    )),
                ),
            }
        }
    }

    /// `mount.fstab` when the file is readable (rc.d-10+); with --era 9 only when
    /// mount_enable is also YES.
    fn fstab(&mut self) {
        let hit = self.extract("fstab");
        let path: Cow<'a, str> = match &hit {
            Some(h) => Cow::Borrowed(h.value),
            None => Cow::Owned(format!("/etc/fstab.{}", self.j)),
        };
        let mut from = hit.as_ref().map(Hit::from).unwrap_or_default();
        let readable = match &hit {
            Some(h) if has_ifs(h.value) => self.blank_fstab(h),
            _ => self.readable(&path),
        };
        if !readable {
            if let Some(h) = hit.as_ref().filter(|h| !has_ifs(h.value)) {
                self.warn(
                    h.origin.as_ref(),
                    format!("{path} is not readable under the root: no mount.fstab"),
                    Some("rc.d/jail silently leaves mount.fstab out when the file cannot be read".to_owned()),
                );
            }
            return;
        }
        if self.opts.era == Era::Pre10 {
            let (mount, mhit) = self.yes("mount_enable", "NO");
            if !mount {
                let at = hit.as_ref().and_then(|h| h.origin).or(self.list_origin);
                self.warn(
                    at.as_ref(),
                    format!(
                        "{path} is not mounted: {} is not YES (--era 9)",
                        self.own_name("mount_enable")
                    ),
                    Some("FreeBSD 10.0 and later mount it whenever it is readable".to_owned()),
                );
                return;
            }
            from.extend(mhit.from());
        }
        self.push("mount.fstab", Op::Set, Few::One(path), from);
    }

    /// `[ -r $_fstab ]` for an fstab path with blanks (the default path has none), with
    /// a warning saying what rc.d/jail does with it. The test is unquoted, so sh splits
    /// the path into words first: blanks around one word vanish and that word is tested,
    /// but `echo "\tmount.fstab = \"$_fstab\";"` then writes the value with its blanks,
    /// a file jail(8) cannot open (config.c check_intparams: `mount.fstab: FILE: ...`,
    /// the jail fails; `check` reports it, JV025); blanks only leave `[ -r ]`, a test of
    /// a non-empty string, which is true; several words are a syntax error of test(1)
    /// (false: no mount.fstab). The value is kept exactly as rc.d/jail would write it.
    fn blank_fstab(&mut self, h: &Hit<'a>) -> bool {
        let v = h.value;
        let words: Vec<&str> = ifs_words(v).collect();
        let (readable, what) = match words.as_slice() {
            [] => (
                true,
                "rc.d/jail's unquoted `[ -r $_fstab ]` is then `[ -r ]`, which is true: \
                 mount.fstab is written with the blanks, and jail(8) fails the jail as it cannot \
                 read that file"
                    .to_owned(),
            ),
            [one] if self.readable(one) => (
                true,
                format!(
                    "rc.d/jail's unquoted `[ -r $_fstab ]` tests {one}, which is readable, and \
                     writes mount.fstab with the blanks: copied so, and jail(8) fails the jail as \
                     it cannot read \"{v}\"; remove the blanks"
                ),
            ),
            [one] => (
                false,
                format!(
                    "rc.d/jail's unquoted `[ -r $_fstab ]` tests {one}, which is not readable under the root: no mount.fstab"
                ),
            ),
            _ => (
                false,
                "rc.d/jail's unquoted `[ -r $_fstab ]` gets several words, a syntax error of \
                 test(1), so it writes no mount.fstab: none is converted"
                    .to_owned(),
            ),
        };
        self.warn(
            h.origin.as_ref(),
            format!("the fstab path \"{v}\" has blanks"),
            Some(what),
        );
        readable
    }

    /// devfs_ruleset: numeric only (rc.d/jail: `[0-9]*`), `devfsrules_jail` is jail(8)'s
    /// default and gives nothing, anything else is dropped with rc.d/jail's warning.
    fn ruleset(&mut self) {
        let Some(hit) = self.extract("devfs_ruleset") else {
            return;
        };
        let v = hit.value;
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            if !v.bytes().all(|b| b.is_ascii_digit()) {
                self.warn(
                    hit.origin.as_ref(),
                    format!("devfs_ruleset \"{v}\" is not a whole number; jail(8) will reject it"),
                    None,
                );
            }
            self.push("devfs_ruleset", Op::Set, Few::One(Cow::Borrowed(v)), hit.from());
            return;
        }
        if v == "devfsrules_jail" {
            return;
        }
        let known = [
            ("devfsrules_hide_all", 1),
            ("devfsrules_unhide_basic", 2),
            ("devfsrules_unhide_login", 3),
            ("devfsrules_jail_vnet", 5),
        ];
        let note = match known.iter().find(|(n, _)| *n == v) {
            Some((n, num)) => format!("{n} is ruleset {num} in /etc/defaults/devfs.rules; set the number"),
            None => format!("\"{v}\" is dropped; set the ruleset number from /etc/devfs.rules"),
        };
        self.rc_warn(
            Lint::DevfsRulesetNotInteger,
            hit.origin.as_ref(),
            "devfs_ruleset must be an integer.".to_owned(),
            Some(note),
        );
    }

    /// `for _p in $_parameters; do echo "\t${_p%\;};"; done`: each word is a jail.conf
    /// statement of its own, written raw by rc.d/jail. jailvol parses it and writes it
    /// back escaped.
    fn parameters(&mut self) {
        let Some(hit) = self.extract("parameters") else {
            return;
        };
        let var = hit.origin.map(|o| o.var).unwrap_or_default();
        for word in ifs_words(hit.value) {
            let stmt = word.strip_suffix(';').unwrap_or(word);
            match parse_statement(var, stmt) {
                Ok(params) => {
                    for p in params {
                        if let Err(msg) = self.check_param_word(&p) {
                            self.error(
                                hit.origin.as_ref(),
                                format!("{var}: \"{word}\": {msg}"),
                                "each word of jail_parameters is written as a jail.conf statement `WORD;`",
                            );
                            continue;
                        }
                        self.user_lines.push(self.lines.len());
                        self.lines.push(Line {
                            name: p.name,
                            is_var: p.is_var,
                            op: p.op,
                            values: p.values,
                            from: hit.from(),
                        });
                    }
                }
                Err(msg) => self.error(
                    hit.origin.as_ref(),
                    format!("{var}: \"{word}\" is not a jail.conf parameter: {msg}"),
                    "each word of jail_parameters is written as a jail.conf statement `WORD;` \
                     (rc.d/jail's file would be rejected by jail(8))",
                ),
            }
        }
    }

    /// What jail(8) would reject in a statement taken from `parameters`.
    fn check_param_word(&self, p: &Stmt<'_>) -> Result<(), String> {
        if !p.is_var && (equalopts(&p.name, "name") || equalopts(&p.name, "jid")) {
            return Err(format!("cannot redefine parameter \"{}\"", p.name));
        }
        let clash = self
            .lines
            .iter()
            .any(|l| l.is_var != p.is_var && equalopts(&l.name, &p.name));
        let var_is_param = p.is_var && INTPARAMS.iter().any(|(n, _)| equalopts(n, &p.name));
        if clash || var_is_param {
            return Err(format!(
                "variable \"${}\" cannot have the same name as a parameter",
                p.name
            ));
        }
        Ok(())
    }

    /// jailvol's volume settings `jail_<jv>_volume_*` become the block's `$volume_*`
    /// variables (design §3); rc.d/jail ignores them.
    fn volumes(&mut self) {
        for v in VOLUME_VARS {
            if let Some(hit) = self.own(v) {
                self.lines.push(Line {
                    name: Cow::Borrowed(v),
                    is_var: true,
                    op: Op::Set,
                    values: Few::One(Cow::Borrowed(hit.value)),
                    from: hit.from(),
                });
            }
        }
    }

    fn flags(&mut self) {
        if let Some(hit) = self.own("flags") {
            let var = hit.origin.map(|o| o.var).unwrap_or_default();
            self.warn(
                hit.origin.as_ref(),
                format!("{var}=\"{}\" is not converted", hit.value),
                Some(
                    "rc.d/jail passes these flags on jail(8)'s command line; write them as parameters \
                     (-l: exec.clean, -U USER: exec.jail_user, -u USER: exec.system_user)"
                        .to_owned(),
                ),
            );
        }
    }

    /// Missing hostname or rootdir: rc.d/jail looks for a jail.conf file instead.
    fn missing(&mut self, list_origin: Option<&Origin<'a>>) {
        let j = self.j.clone();
        let mut unset = Vec::new();
        for s in ["hostname", "rootdir"] {
            if self.own(s).is_none() {
                unset.push(self.own_name(s));
            }
        }
        let jconf = self
            .own("conf")
            .map_or_else(|| format!("/etc/jail.{j}.conf"), |h| h.value.to_owned());
        let jconfdir = format!("/etc/jail.conf.d/{j}.conf");
        let jail_conf = self.vars.jail_conf.to_owned();
        let used = [jconf, jconfdir, jail_conf]
            .into_iter()
            .find(|f| self.readable(f));
        let ignored = used.is_none();
        let note = match used {
            Some(f) => format!(
                "{} not set; rc.d/jail would start jail {j} from {f} instead",
                unset.join(" and ")
            ),
            None => format!("{} not set", unset.join(" and ")),
        };
        let at = self
            .own("hostname")
            .or_else(|| self.own("rootdir"))
            .and_then(|h| h.origin)
            .or_else(|| list_origin.copied());
        let msg = format!(
            "Invalid configuration for {j} (no jail.conf, no hostname, or no path).  Jail {j} was ignored."
        );
        if ignored {
            self.rc_warn(Lint::NoHostnameOrRootdir, at.as_ref(), msg, Some(note));
        } else {
            // rc.d/jail warns only when no file is readable either: with one, it starts
            // the jail from that file (parse_options `return 0`), silently; jailvol
            // still says the variables are not converted, without a lint code.
            self.warn(at.as_ref(), msg, Some(note));
        }
    }

    /// jail(8) check_intparams (usr.sbin/jail/config.c): booleans and integers of its
    /// own parameters, on the values the block ends with (`exec.fib` from `jail_<jv>_fib`,
    /// `parameters` words). rc.d/jail copies such a value as it is, like
    /// `enforce_statfs` or `devfs_ruleset`, and jail(8) fails the jail when it starts:
    /// the value is converted the same way, with a warning in jail(8)'s words, and
    /// `check` reports the converted jail.conf (JV002). Refusing the whole conversion
    /// for it (as jailvol did) was stricter than for every other value rc.d copies.
    fn check_values(&mut self) {
        use crate::model::{PF_BOOL, PF_INT};
        let mut seen: Vec<&str> = Vec::new();
        let mut bad = Vec::new();
        // The last user-set line of each parameter holds the value jail(8) checks.
        for &i in self.user_lines.iter().rev() {
            let Some(l) = self.lines.get(i) else { continue };
            if l.is_var || seen.iter().any(|n| equalopts(n, &l.name)) {
                continue;
            }
            seen.push(&l.name);
            let Some((_, flags)) = INTPARAMS.iter().find(|(n, _)| equalopts(n, &l.name)) else {
                continue;
            };
            let Some(val) = l.values.last() else { continue };
            let (_, used) = strtol(val);
            let ok = if flags & PF_BOOL != 0 {
                val.eq_ignore_ascii_case("true") || val.eq_ignore_ascii_case("false") || used == val.len()
            } else if flags & PF_INT != 0 {
                used != 0 && used == val.len()
            } else {
                true
            };
            if !ok {
                let what = if flags & PF_BOOL != 0 {
                    "unknown boolean value"
                } else {
                    "non-integer value"
                };
                bad.push((l.from.first().cloned(), format!("{}: {what} \"{val}\"", l.name)));
            }
        }
        for (from, msg) in bad {
            // As model::load reports the rendered text (check_values in model/intcheck.rs).
            let loc = from.as_ref().and_then(Origin::loc);
            self.rejected.push(Diag::error(loc, format!("{}: {msg}", self.j)));
            self.warn(
                from.as_ref(),
                msg,
                Some(
                    "copied as rc.d/jail writes it; jail(8) will refuse to start this jail \
                     (`jailvol check` reports it on the converted jail.conf)"
                        .to_owned(),
                ),
            );
        }
    }
}
