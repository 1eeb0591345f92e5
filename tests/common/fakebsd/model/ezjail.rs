//! ezjail's rc script behind `service ezjail start|stop|onestart|onestop [NAME...]`:
//! sysutils/ezjail `ezjail.sh` (tomster/ezjail @9cfcbe1; lines cited as ezjail.sh:N).
//!
//! * `start`/`stop` need `ezjail_enable=YES` (rc.subr `run_rc_command` on the rcvar,
//!   ezjail.sh:22-27: "Cannot 'start' ezjail. Set ezjail_enable to YES ...", exit
//!   status 0); `onestart`/`onestop` do not. The rc.conf files are the model's
//!   (`State::rc_conf`), read with jailvol's evaluator as rc.d/jail's model reads them.
//! * The jails: the names given, each byte other than a letter or digit made `_`
//!   (ezjail.sh:46-48); else the files of `PREFIX/etc/ezjail/` in rcorder order, reversed
//!   for a stop (ezjail.sh:50-51). That order is jailvol's own
//!   (`legacy::ezjail::rcorder_files`), so the model and jailvol cannot disagree on it;
//!   `PREFIX` is `State::ezjail_prefix` (the port substitutes its
//!   PREFIX for `EZJAIL_PREFIX` at install, Makefile:14), which must end in
//!   `/usr/local` as jailvol assumes (`legacy::ezjail::DIR`).
//! * Per jail (ezjail.sh:55-101): the file is `NAME`, or `NAME.norun` when that exists
//!   (then skipped: " skipping NAME"); not a regular file: " Warning: Jail NAME not
//!   found."; for a stop the name is cut at its first dot (:65), so a stop of a listed
//!   `NAME.norun` reads that file and stops NAME (only starts skip disabled jails). The
//!   file is sourced (rc.conf, then the jail's file: jailvol's evaluator); a root
//!   directory that does not exist: " Warning: root directory ..." (:85); a blocking
//!   jail (`_attachblocking`/`_forceblocking` non-empty) is skipped at a start without
//!   names (:87-90). The `*crypto` commands are not modelled.
//! * An image jail (`jail_NAME_image` non-empty) first goes through
//!   `attach_detach_pre` (:130-206). Start: a running jail (`/var/run/jail_NAME.id`
//!   exists: rc.d/jail writes it at start and removes it at stop; the model asks its
//!   jail table) is passed on as it is; a `ROOTDIR.device` link whose image is mounted
//!   at the root skips the jail (:138-143, the mount table read as `mount -p -v` prints
//!   it), a stale one is removed; then `mdconfig -a -t vnode -f IMAGE` (its output is
//!   the device), for `eli` `echo geli attach ATTACHPARAMS /dev/mdN | /bin/sh` (a
//!   failure detaches the unit and skips the jail, :165-174), `fsck -t ufs -p -B DEV`
//!   (its status ignored, :178), and the link `ROOTDIR.device -> /dev/DEV` (:181-182).
//!   Stop: a jail that does not run is not passed on (:187); nor is one without the
//!   link (`[ -e ... ] || return` returns the test's status 1, :190); the link's target
//!   is remembered for after the stop (`simple`: the md device; `eli`: without `.eli`;
//!   an empty `_imagetype`: nothing, :196-200) and the link removed (:203).
//! * The jails passed on: `sh /etc/rc.d/jail onestart|onestop NAME...` (:104), the
//!   model's rc.d/jail with the exported variables of the sourced files; then
//!   `attach_detach_post` (:208-215): for each remembered device `geli detach` when its
//!   `.eli` exists, then `mdconfig -d -u mdN` (which fails, "Device busy", while the
//!   image is still mounted). The zfs datasets and cpuset after a start (:106-124) are
//!   not modelled.
//!
//! Commands ezjail.sh runs (mdconfig, geli, fsck) are the model's own programs, run as
//! processes: they are logged and faults reach them as any other call.

use std::path::Path;
use std::process::Command;

use jailvol::parse::loader::Loader;
use jailvol::parse::rcconf::RcVars;

use crate::Ctx;

/// What `attach_detach_pre` decided for a jail.
enum Pre {
    /// Passed on to rc.d/jail.
    Pass,
    /// Left out (`|| continue`).
    Skip,
}

struct Ez<'a> {
    ctx: &'a Ctx,
    stop: bool,
    /// Devices `attach_detach_post` detaches (`ezjail_mds`).
    mds: Vec<String>,
}

pub fn service(ctx: &Ctx, verb: &str, names: &[String]) -> i32 {
    let st = ctx.state();
    let loader = Loader::new(None);
    let vars = match load(&loader, &st.rc_conf) {
        Ok(v) => v,
        Err(m) => return ctx.err(m),
    };
    let (one, action) = match verb.strip_prefix("one") {
        Some(v) => (true, v),
        None => (false, verb),
    };
    if !matches!(action, "start" | "stop") {
        return ctx.err(format!("{verb}: not modelled"));
    }
    let enabled = jailvol::legacy::yesno(vars.get("ezjail_enable").unwrap_or("")) == Some(true);
    if !one && !enabled {
        println!(
            "Cannot '{action}' ezjail. Set ezjail_enable to YES in /etc/rc.conf or use 'one{action}' instead of '{action}'."
        );
        return 0;
    }
    let prefix = st
        .ezjail_prefix
        .clone()
        .unwrap_or_else(|| "/usr/local".to_owned());
    let Some(root) = prefix.strip_suffix("/usr/local") else {
        return ctx.err(format!(
            "ezjail_prefix {prefix}: the model (and jailvol) know /usr/local only"
        ));
    };
    let cfgs = format!("{prefix}/etc/ezjail");
    let stop = action == "stop";
    let from_rc = names.is_empty();
    let list: Vec<String> = if from_rc {
        print!(" ezjail");
        let listing = Loader::new(Some(if root.is_empty() { "/" } else { root }.into()));
        let mut l = jailvol::legacy::ezjail::rcorder_files(&listing);
        if stop {
            l.reverse();
        }
        l
    } else {
        names
            .iter()
            .map(|n| {
                n.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect()
            })
            .collect()
    };
    let mut ez = Ez {
        ctx,
        stop,
        mds: Vec::new(),
    };
    let mut pass: Vec<String> = Vec::new();
    let mut sourced: Vec<String> = Vec::new();
    for listed in list {
        let mut name = listed.clone();
        let mut config = None;
        let mut norun = false;
        let is = |p: &str| Path::new(p).exists();
        if is(&format!("{cfgs}/{listed}")) {
            config = Some(format!("{cfgs}/{listed}"));
        }
        if is(&format!("{cfgs}/{listed}.norun")) {
            config = Some(format!("{cfgs}/{listed}.norun"));
            norun = true;
        }
        let Some(config) = config.filter(|c| Path::new(c).is_file()) else {
            print!(" Warning: Jail {listed} not found.");
            continue;
        };
        if stop {
            name = listed.split('.').next().unwrap_or("").to_owned();
        }
        if name.contains('.') || norun {
            print!(" skipping {name}");
            continue;
        }
        // `. CONFIG` (:69), in the shell that sourced the earlier jails' files.
        sourced.push(config);
        let files: Vec<String> = st.rc_conf.iter().chain(&sourced).cloned().collect();
        let jv = match load(&loader, &files) {
            Ok(v) => v,
            Err(m) => return ctx.err(m),
        };
        let get = |s: &str| jv.get(&format!("jail_{name}_{s}")).unwrap_or("").to_owned();
        let rootdir = get("rootdir");
        if !Path::new(&rootdir).is_dir() {
            print!(" Warning: root directory {rootdir} of {name} does not exist.");
            continue;
        }
        let blocking = !get("attachblocking").is_empty() || !get("forceblocking").is_empty();
        if from_rc && !stop && blocking {
            print!(" ...skipping blocking jail {name}");
            continue;
        }
        if !get("image").is_empty() {
            let pre = ez.attach_detach_pre(
                &name,
                &rootdir,
                &get("image"),
                &get("imagetype"),
                &get("attachparams"),
            );
            if matches!(pre, Pre::Skip) {
                continue;
            }
        }
        pass.push(name);
    }
    println!();
    if !pass.is_empty() {
        crate::jail::rc_jail(ctx, &format!("one{action}"), &pass, &sourced);
    }
    ez.attach_detach_post();
    0
}

/// The rc.conf files (and sourced per-jail files), as sh reads them one after another.
fn load(loader: &Loader, files: &[String]) -> Result<RcVars, String> {
    if files.is_empty() {
        return Ok(RcVars::default());
    }
    jailvol::parse::rcconf::load_files(loader, files, &Default::default())
        .map(|(v, _)| v)
        .map_err(|d| d.render())
}

impl Ez<'_> {
    /// One of the model's programs, as ezjail.sh runs it (PATH: /sbin, /usr/sbin).
    fn run(&self, prog: &str, args: &[&str]) -> (bool, String) {
        let bin = Path::new(&self.ctx.state().bin).join(prog);
        match Command::new(bin).args(args).output() {
            Ok(o) => {
                eprint!("{}", String::from_utf8_lossy(&o.stderr));
                (
                    o.status.success(),
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                )
            }
            Err(e) => {
                eprintln!("{prog}: {e}");
                (false, String::new())
            }
        }
    }

    /// ezjail.sh:130-206.
    fn attach_detach_pre(&mut self, name: &str, rootdir: &str, image: &str, kind: &str, params: &str) -> Pre {
        let running = self.ctx.state().jail(name).is_some();
        let link = format!("{rootdir}.device");
        let target = std::fs::read_link(&link).ok().map(|t| t.display().to_string());
        if self.stop {
            if !running {
                return Pre::Skip;
            }
            // `[ -e LINK ]` follows the link: true while the device exists.
            let Some(dev) = target.filter(|t| self.ctx.state().device(t).is_some()) else {
                return Pre::Skip;
            };
            match kind {
                "crypto" | "bde" => self.mds.push(dev.trim_end_matches(".bde").to_owned()),
                "eli" => self.mds.push(dev.trim_end_matches(".eli").to_owned()),
                "simple" => self.mds.push(dev),
                _ => {}
            }
            let _ = std::fs::remove_file(&link);
            return Pre::Pass;
        }
        if running {
            return Pre::Pass;
        }
        if let Some(dev) = target {
            // `mount -p -v | grep -E "^LINK.ROOTDIR"`, then `"^DEVICE.ROOTDIR"`.
            let real_root = crate::realpath(rootdir).unwrap_or_else(|_| rootdir.to_owned());
            let st = self.ctx.state();
            if st
                .mounts
                .iter()
                .any(|m| (m.device == link || m.device == dev) && m.point == real_root)
            {
                println!(
                    "Warning: Skipping jail. Jail image file {name} already attached as {dev}. 'ezjail-admin config -i detach' it first."
                );
                return Pre::Skip;
            }
            let _ = std::fs::remove_file(&link);
        }
        let (ok, out) = self.run("mdconfig", &["-a", "-t", "vnode", "-f", image]);
        if !ok {
            return Pre::Skip;
        }
        let mut device = out.trim().to_owned();
        match kind {
            "crypto" | "bde" => {
                println!("Attaching bde device for image jail {name}...");
                println!("gbde: not modelled");
                self.run("mdconfig", &["-d", "-u", &device]);
                println!("Error: Attaching bde device failed.");
                return Pre::Skip;
            }
            "eli" => {
                println!("Attaching eli device for image jail {name}...");
                // `echo geli attach PARAMS /dev/mdN | /bin/sh`: sh splits and unquotes the
                // parameters; PATH finds the model's geli.
                let bin = self.ctx.state().bin;
                let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
                let ok = Command::new("/bin/sh")
                    .arg("-c")
                    .arg(format!("geli attach {params} /dev/{device}"))
                    .env("PATH", path)
                    .status()
                    .is_ok_and(|s| s.success());
                if !ok {
                    self.run("mdconfig", &["-d", "-u", &device]);
                    println!("Error: Attaching eli device failed.");
                    return Pre::Skip;
                }
                device.push_str(".eli");
            }
            _ => {}
        }
        self.run("fsck", &["-t", "ufs", "-p", "-B", &format!("/dev/{device}")]);
        let _ = std::fs::remove_file(&link);
        if let Err(e) = std::os::unix::fs::symlink(format!("/dev/{device}"), &link) {
            eprintln!("ln: {link}: {e}");
        }
        Pre::Pass
    }

    /// ezjail.sh:208-215.
    fn attach_detach_post(&self) {
        for md in &self.mds {
            let unit = md.strip_prefix("/dev/").unwrap_or(md);
            if self.ctx.state().device(&format!("{md}.eli")).is_some() {
                self.run("geli", &["detach", md]);
            }
            self.run("mdconfig", &["-d", "-u", unit]);
        }
    }
}
