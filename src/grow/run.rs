//! `grow`'s ops, as the engine runs them, with what each failure means for the
//! container (docs/grow-status.md, "Failures").

use std::path::Path;

use super::{Op, Target, fs_size};
use crate::diag::Diag;
use crate::engine::Step;
use crate::engine::run::{self, Failure, Ops, Report, Rollback, StepResult};
use crate::exec::{Alloc, AllocMethod, Cmd, Host, Runner};
use crate::volume::{VAR_SIZE, format_size};

pub(super) struct GrowOps<'a> {
    t: &'a Target,
    runner: &'a mut dyn Runner,
    host: &'a mut dyn Host,
    write_config: &'a mut dyn FnMut() -> Result<String, String>,
    verbose: &'a mut dyn FnMut(&str),
    /// The file's size now.
    file_now: u64,
    /// The unit is attached by this run (and must be detached again).
    ours: bool,
}

impl<'a> GrowOps<'a> {
    pub(super) fn new(
        t: &'a Target,
        runner: &'a mut dyn Runner,
        host: &'a mut dyn Host,
        write_config: &'a mut dyn FnMut() -> Result<String, String>,
        verbose: &'a mut dyn FnMut(&str),
    ) -> GrowOps<'a> {
        GrowOps {
            t,
            runner,
            host,
            write_config,
            verbose,
            file_now: t.file_size,
            ours: false,
        }
    }

    fn command(&mut self, c: &Cmd) -> StepResult {
        run::command(self.runner, c, self.verbose)
    }

    fn intact(&self) -> String {
        let t = self.t;
        format!(
            "the container is intact at the old size: its filesystem is still {} inside a file of {} bytes; \
             $volume_size is unchanged; re-run `jailvol grow {} {}` to finish",
            format_size(t.old),
            self.file_now,
            t.jail,
            format_size(t.new)
        )
    }

    /// What to do about a mounted file system that is not clean.
    fn stop_first(&self) -> String {
        format!(
            "stop the jail (its stop unmounts the root), then run `jailvol grow {} {}` again: with the jail \
             stopped, jailvol runs fsck -p before growfs",
            self.t.jail,
            format_size(self.t.new)
        )
    }

    fn attach_text(&self) -> String {
        self.t.attach().render()
    }

    fn probe(&mut self, c: &Cmd) -> StepResult {
        // Only the refusal of an unclean file system matters here: anything else (the
        // size is not larger yet, by design) is for growfs proper to say.
        match self.command(c) {
            Err(f) if unclean(&f.stderr) => {
                let mut f = Failure::new(f.what, f.stderr);
                f.message = Some(
                    "the mounted file system is not clean (it was mounted without fsck after a crash): \
                     growfs refuses it, and fsck cannot check it while it is mounted"
                        .into(),
                );
                f.notes.push(self.stop_first());
                Err(f)
            }
            _ => Ok(()),
        }
    }

    fn extend(&mut self, file: &str, from: u64, to: u64, sparse: bool, report: &mut Report) -> StepResult {
        (self.verbose)(&format!("extend {file} from {from} to {to} bytes"));
        let how = if sparse { Alloc::Sparse } else { Alloc::Full };
        match self.host.extend(Path::new(file), from, to, how) {
            Ok(m) => {
                self.file_now = to;
                if m == AllocMethod::ZeroFill {
                    report.warnings.push(Diag::warning(
                        None,
                        format!(
                            "{}: the filesystem holding {file} does not support posix_fallocate (ZFS?): \
                             zeros were written instead; with ZFS compression they take no space",
                            self.t.jail
                        ),
                    ));
                }
                Ok(())
            }
            Err(e) => {
                let mut f = Failure::new(format!("extending {file} to {to} bytes"), e.to_string());
                f.partial = true;
                Err(f)
            }
        }
    }

    fn resize(&mut self, cmd: &Cmd, fallback: &Option<(Cmd, Cmd)>, report: &mut Report) -> StepResult {
        let Err(mut f) = self.command(cmd) else {
            return Ok(());
        };
        let unsupported = f.stderr.contains("illegal option") || f.stderr.contains("usage:");
        let Some((detach, attach)) = fallback.as_ref().filter(|_| unsupported) else {
            if unsupported {
                f.notes.push(
                    "this mdconfig cannot resize a unit (-r arrived in FreeBSD 10.0); \
                     stop the jail and re-run jailvol grow"
                        .into(),
                );
            }
            return Err(f);
        };
        report.notes.push(format!(
            "{}: mdconfig has no -r (before FreeBSD 10): detached and re-attached md{}",
            self.t.jail, self.t.unit
        ));
        self.command(detach)?;
        self.command(attach).map_err(|mut f| {
            f.notes.push(format!(
                "remains: md{} is no longer attached (it was before): run {}",
                self.t.unit,
                attach.render()
            ));
            f
        })
    }

    fn check(&mut self, c: &Cmd) -> StepResult {
        let t = self.t;
        self.command(c).map_err(|mut f| {
            f.notes.push(format!(
                "the file system needs a full check before it can grow: run `mdconfig -l -u {u} || {}; \
                 fsck -t ufs -y /dev/md{u}`{}, then re-run `jailvol grow {} {}`",
                self.attach_text(),
                if self.ours {
                    format!("; mdconfig -d -u {}", t.unit)
                } else {
                    String::new()
                },
                t.jail,
                format_size(t.new),
                u = t.unit
            ));
            f
        })
    }

    fn growfs(&mut self, cmd: &Cmd, online: bool, report: &mut Report) -> StepResult {
        let t = self.t;
        let Err(mut f) = self.command(cmd) else {
            return Ok(());
        };
        // An earlier run got this far (its config write failed): growfs says so
        // (growfs.c; cloud-init's cc_resizefs relies on the same message).
        if f.stderr
            .contains("is not larger than the current filesystem size")
        {
            report.notes.push(format!(
                "{}: growfs: the filesystem already fills md{} (an earlier grow got this far)",
                t.jail, t.unit
            ));
            return Ok(());
        }
        if online {
            if unclean(&f.stderr) {
                f.notes.push(self.stop_first());
            }
            f.notes.push(
                "the jail keeps running on its filesystem as growfs left it; nothing was unmounted".into(),
            );
        } else {
            // Check what growfs left before saying anything about it.
            let fsck = t.fsck();
            match self.command(&fsck) {
                Ok(()) => f.notes.push(format!(
                    "fsck -t ufs -p /dev/md{} found the filesystem consistent",
                    t.unit
                )),
                Err(e) => f.notes.push(format!(
                    "{} failed too ({}): run fsck -t ufs -y /dev/md{} before starting the jail",
                    e.what, e.stderr, t.unit
                )),
            }
        }
        if let Some(fs) = fs_size(self.host, Path::new(&t.file)) {
            f.notes
                .push(format!("its superblock says the filesystem is {fs} bytes"));
        }
        Err(f)
    }

    fn write_config(&mut self, value: &str, report: &mut Report) -> StepResult {
        match (self.write_config)() {
            Ok(f) => {
                report
                    .notes
                    .push(format!("{}: ${VAR_SIZE} = {value} written to {f}", self.t.jail));
                Ok(())
            }
            Err(e) => {
                let mut f = Failure::new("updating the configuration", e);
                f.todo = format!(
                    "set ${VAR_SIZE} = {value} in the jail's block by hand (`jailvol check` reports \
                     the size mismatch until then)"
                );
                Err(f)
            }
        }
    }
}

impl Ops<Op> for GrowOps<'_> {
    fn host(&mut self) -> &mut dyn Host {
        self.host
    }

    fn run(&mut self, step: &Step<Op>, report: &mut Report) -> StepResult {
        let u = self.t.unit;
        match &step.op {
            Op::Probe(c) => self.probe(c),
            Op::Extend {
                file,
                from,
                to,
                sparse,
            } => self.extend(file, *from, *to, *sparse, report),
            Op::Attach(c) => {
                self.command(c)?;
                self.ours = true;
                Ok(())
            }
            Op::Resize { cmd, fallback } => self.resize(cmd, fallback, report),
            Op::Check(c) => self.check(c),
            Op::Growfs { cmd, online } => self.growfs(cmd, *online, report),
            Op::Fsck(c) => {
                let attach = self.attach_text();
                let dev = self.t.dev();
                let geli = match &self.t.geli_keyfile {
                    Some(k) => format!(
                        "; geli list md{u}.eli || {}",
                        Cmd::Run(crate::create::geli_attach_words(u, k)).render()
                    ),
                    None => String::new(),
                };
                self.command(c).map_err(|mut f| {
                    f.todo = format!(
                        "run `mdconfig -l -u {u} || {attach}{geli}; fsck -t ufs -y {dev}` before starting the jail"
                    );
                    f
                })
            }
            Op::GeliResize { resize, dump } => {
                if self.command(dump).is_ok() {
                    report.notes.push(format!(
                        "{}: the geli metadata is at the end of md{u} already (an earlier grow moved it): \
                         geli resize skipped",
                        self.t.jail
                    ));
                    return Ok(());
                }
                self.command(resize)
            }
            Op::GeliAttach(c) => self.command(c),
            Op::GeliDetach(c) => self.command(c).map_err(|mut f| {
                f.todo = format!(
                    "md{u}.eli stays attached: run {}, then {}",
                    c.render(),
                    self.t.detach().render()
                );
                f
            }),
            Op::Detach(c) => match self.command(c) {
                Ok(()) => {
                    self.ours = false;
                    Ok(())
                }
                Err(mut f) => {
                    f.todo = format!("md{u} stays attached: run {}", c.render());
                    Err(f)
                }
            },
            Op::WriteConfig { value, .. } => self.write_config(value, report),
            Op::Truncate { .. } => self.undo(&step.op).map(|_| ()).map_err(|e| Failure::new(e, "")),
        }
    }

    fn undo(&mut self, op: &Op) -> Result<String, String> {
        let t = self.t;
        match op {
            Op::Detach(c) => match self.command(c) {
                Ok(()) => {
                    self.ours = false;
                    Ok(format!("detached md{}", t.unit))
                }
                Err(_) => Err(format!("md{} is still attached: run {}", t.unit, c.render())),
            },
            Op::GeliDetach(c) => match self.command(c) {
                Ok(()) => Ok(format!("detached md{}.eli", t.unit)),
                Err(_) => Err(format!("md{}.eli is still attached: run {}", t.unit, c.render())),
            },
            Op::Truncate { file, size } => match self.host.set_len(Path::new(file), *size) {
                Ok(()) => {
                    self.file_now = *size;
                    Ok(format!("{file} truncated to its old {size} bytes"))
                }
                Err(e) => Err(format!(
                    "{file} may be partly extended ({e}); its filesystem is intact at {}: \
                     re-run `jailvol grow {} {}` to finish",
                    format_size(t.old),
                    t.jail,
                    format_size(t.new)
                )),
            },
            other => Err(format!("{other:?} is not an undo")),
        }
    }

    fn blocked(&self, op: &Op, _: &Op) -> String {
        format!("{} (not undone)", crate::engine::Op::show(op).trim_end())
    }

    fn after_rollback(&mut self, failed: Option<&Step<Op>>, rb: &Rollback) -> Vec<String> {
        let t = self.t;
        let nothing = || vec!["nothing changed".to_owned()];
        match failed.map(|s| &s.op) {
            None if self.file_now == t.file_size => nothing(),
            Some(Op::Probe(_)) => nothing(),
            Some(Op::Extend { .. }) if rb.remains.is_empty() => nothing(),
            Some(Op::Extend { .. }) => Vec::new(),
            Some(Op::Growfs { .. }) => vec![format!(
                "the container file is {} bytes; $volume_size is unchanged ({}); \
                 re-run `jailvol grow {} {}` once the cause is fixed",
                self.file_now,
                format_size(t.old),
                t.jail,
                format_size(t.new)
            )],
            _ => vec![self.intact()],
        }
    }

    fn late_note(&self) -> String {
        format!(
            "the container is grown to {} and usable; only what follows is left to do",
            format_size(self.t.new)
        )
    }
}

/// Whether growfs refused because the file system is marked FS_UNCLEAN or FS_NEEDSFSCK
/// (sbin/growfs/growfs.c: "%s is not clean - run fsck.").
fn unclean(stderr: &str) -> bool {
    stderr.contains("is not clean - run fsck")
}
