//! `create`'s ops, as the engine runs them: each [`Op`] done through [`Runner`] and
//! [`Host`], each undo with what it says when it is done, when it fails, and when a
//! failed one blocks it (a busy mount keeps its directory and the md unit; an attached
//! unit keeps its file).

use std::path::{Path, PathBuf};

use super::{Op, TMP, Target};
use crate::diag::Diag;
use crate::engine::Step;
use crate::engine::run::{self, Failure, Ops, Report, Rollback, StepResult};
use crate::exec::{Alloc, AllocMethod, Cmd, Host, PATH_MODE, Runner};
use crate::shell;
use crate::ufs;

pub(super) struct CreateOps<'a> {
    t: &'a Target,
    runner: &'a mut dyn Runner,
    host: &'a mut dyn Host,
    verbose: &'a mut dyn FnMut(&str),
    /// The temporary directory, once made (until removed).
    tmp: Option<PathBuf>,
}

impl<'a> CreateOps<'a> {
    pub(super) fn new(
        t: &'a Target,
        runner: &'a mut dyn Runner,
        host: &'a mut dyn Host,
        verbose: &'a mut dyn FnMut(&str),
    ) -> CreateOps<'a> {
        CreateOps {
            t,
            runner,
            host,
            verbose,
            tmp: None,
        }
    }

    fn tmp_shown(&self) -> String {
        self.tmp
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// The command with [`TMP`] replaced by the temporary directory.
    fn subst(&self, c: &Cmd) -> Cmd {
        let tmp = self.tmp_shown();
        c.map_words(&|w| if w == TMP { tmp.clone() } else { w.to_owned() })
    }

    fn command(&mut self, c: &Cmd) -> StepResult {
        let c = self.subst(c);
        run::command(self.runner, &c, self.verbose)
    }

    fn allocate(&mut self, size: u64, sparse: bool, report: &mut Report) -> StepResult {
        let t = self.t;
        (self.verbose)(&format!("allocate {} bytes for {}", size, t.file));
        let how = if sparse { Alloc::Sparse } else { Alloc::Full };
        let file = Path::new(&t.file);
        match self.host.allocate(file, size, how) {
            Ok(AllocMethod::ZeroFill) => {
                report.warnings.push(Diag::warning(
                    None,
                    format!(
                        "{}: the filesystem holding {} does not support posix_fallocate (ZFS?): \
                         zeros were written instead; with ZFS compression they take no space, \
                         so the container's size is not reserved",
                        t.jail, t.file
                    ),
                ));
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(e) => {
                let mut f = Failure::new(format!("allocating {} bytes for {}", size, t.file), e.to_string());
                // A partial file jailvol made is still jailvol's to remove (O_EXCL: an
                // existing file is never one).
                f.partial = e.kind() != std::io::ErrorKind::AlreadyExists && self.host.exists(file);
                Err(f)
            }
        }
    }

    fn makefs(&mut self, cmd: &[String], fallback: &[String], report: &mut Report) -> StepResult {
        let first = self.subst(&Cmd::Run(cmd.to_vec()));
        (self.verbose)(&first.render());
        let r = match self.runner.exec(&first) {
            Ok(o) if o.success() => Ok(()),
            Ok(o) if o.stderr_text().contains("softupdates") => {
                let _ = self.host.remove_file(Path::new(&self.t.file));
                report.warnings.push(Diag::warning(
                    None,
                    format!(
                        "{}: this makefs does not know -o softupdates (a NetBSD-derived build?): \
                         made the image without soft updates; on FreeBSD run `tunefs -n enable` \
                         on the attached device to turn them on",
                        self.t.jail
                    ),
                ));
                self.command(&Cmd::Run(fallback.to_vec()))
            }
            other => run::outcome(&first, other),
        };
        // makefs may leave a partial image behind: it is ours.
        r.map_err(|mut f| {
            f.partial = self.host.exists(Path::new(&self.t.file));
            f
        })
    }
}

impl Ops<Op> for CreateOps<'_> {
    fn host(&mut self) -> &mut dyn Host {
        self.host
    }

    fn run(&mut self, step: &Step<Op>, report: &mut Report) -> StepResult {
        match &step.op {
            Op::MakeDir { path } => {
                (self.verbose)(&shell::command(&[
                    "mkdir",
                    "-m",
                    &format!("{PATH_MODE:04o}"),
                    path,
                ]));
                self.host
                    .make_dir(Path::new(path), PATH_MODE)
                    .map_err(|e| Failure::new(format!("making the jail's directory {path}"), e.to_string()))
            }
            Op::Allocate { size, sparse, .. } => self.allocate(*size, *sparse, report),
            Op::MakeTmp { template } => match self.host.make_temp_dir(Path::new(template)) {
                Ok(p) => {
                    (self.verbose)(&format!("mkdir {}", p.display()));
                    self.tmp = Some(p);
                    Ok(())
                }
                Err(e) => Err(Failure::new(
                    format!("making a temporary directory {template}"),
                    e.to_string(),
                )),
            },
            Op::Run(c) => self.command(c),
            Op::Makefs { cmd, fallback } => self.makefs(cmd, fallback, report),
            Op::RemoveTmp => {
                let Some(p) = self.tmp.clone() else {
                    return Ok(());
                };
                self.host
                    .remove_dir(&p)
                    .map_err(|e| Failure::new(format!("removing {}", p.display()), e.to_string()))?;
                self.tmp = None;
                Ok(())
            }
            Op::Verify { size } => verify(self.t, *size, self.host, report),
            undo => self.undo(undo).map(|_| ()).map_err(|e| Failure::new(e, "")),
        }
    }

    fn undo(&mut self, op: &Op) -> Result<String, String> {
        let tmp = self.tmp_shown();
        match op {
            Op::Umount => {
                let c = Cmd::Run(vec!["umount".into(), tmp.clone()]);
                match run::command(self.runner, &c, self.verbose) {
                    Ok(()) => Ok(format!("unmounted {tmp}")),
                    Err(_) => Err(format!("{tmp} is still mounted: run {}", c.render())),
                }
            }
            Op::Detach { unit } => {
                let c = detach(*unit);
                match run::command(self.runner, &c, self.verbose) {
                    Ok(()) => Ok(format!("detached md{unit}")),
                    Err(_) => Err(format!("md{unit} could not be detached: run {}", c.render())),
                }
            }
            Op::GeliDetach { unit } => {
                let c = Cmd::Run(super::geli_detach_words(*unit));
                match run::command(self.runner, &c, self.verbose) {
                    Ok(()) => Ok(format!("detached md{unit}.eli")),
                    Err(_) => Err(format!("md{unit}.eli could not be detached: run {}", c.render())),
                }
            }
            Op::RemoveTmp => match self.tmp.clone() {
                None => Ok(String::new()),
                Some(p) => match self.host.remove_dir(&p) {
                    Ok(()) => Ok(format!("removed {tmp}")),
                    Err(_) => Err(format!(
                        "directory {tmp} could not be removed: run rmdir {}",
                        shell::quote(&tmp)
                    )),
                },
            },
            Op::RemoveDir { path } => match self.host.remove_dir(Path::new(path)) {
                Ok(()) => Ok(format!("removed {path}")),
                Err(_) => Err(format!(
                    "directory {path} (made by this run) could not be removed: run rmdir {}",
                    shell::quote(path)
                )),
            },
            Op::RemoveFile { file } => match self.host.remove_file(Path::new(file)) {
                Ok(()) => Ok(format!("removed {file}")),
                Err(_) => Err(format!(
                    "{file} could not be removed: run rm {}",
                    shell::quote(file)
                )),
            },
            other => Err(format!("{other:?} is not an undo")),
        }
    }

    fn blocked(&self, op: &Op, by: &Op) -> String {
        let tmp = self.tmp_shown();
        match (op, by) {
            (Op::RemoveTmp, _) => format!(
                "directory {tmp} (a mount point): then run rmdir {}",
                shell::quote(&tmp)
            ),
            (Op::Detach { unit }, Op::GeliDetach { .. }) => format!(
                "md{unit} stays attached (md{unit}.eli holds it): then run {}",
                detach(*unit).render()
            ),
            (Op::Detach { unit }, _) => format!(
                "md{unit} stays attached (mounted): then run {}",
                detach(*unit).render()
            ),
            (Op::GeliDetach { unit }, _) => format!(
                "md{unit}.eli stays attached (mounted): then run {}",
                Cmd::Run(super::geli_detach_words(*unit)).render()
            ),
            (Op::RemoveFile { file }, Op::Detach { unit }) => {
                format!("{file} (backs md{unit}): then run rm {}", shell::quote(file))
            }
            (other, _) => format!("{} (not undone)", engine_show(other).trim_end()),
        }
    }

    fn after_rollback(&mut self, _: Option<&Step<Op>>, rb: &Rollback) -> Vec<String> {
        if rb.remains.is_empty() {
            vec!["nothing remains".into()]
        } else {
            Vec::new()
        }
    }
}

fn engine_show(op: &Op) -> String {
    crate::engine::Op::show(op)
}

fn detach(unit: u32) -> Cmd {
    Cmd::Run(super::md_detach_words(unit))
}

fn check_failure(t: &Target, why: impl Into<String>) -> Box<Failure> {
    Failure::new(format!("checking {}", t.file), why)
}

/// The image must have exactly the requested size and a UFS2 superblock where FreeBSD
/// looks for one.
fn verify(t: &Target, size: u64, host: &dyn Host, report: &mut Report) -> StepResult {
    let file = Path::new(&t.file);
    let actual = host
        .file_size(file)
        .map_err(|e| check_failure(t, e.to_string()))?;
    if actual != size {
        return Err(check_failure(
            t,
            format!("makefs made {actual} bytes, not the {size} asked for"),
        ));
    }
    let head = host
        .read_head(file, ufs::SEARCH_SPAN)
        .map_err(|e| Failure::new(format!("reading {}", t.file), e.to_string()))?;
    let Some(sb) = ufs::find_superblock(&head) else {
        return Err(check_failure(
            t,
            "no UFS2 superblock at any standard location (65536, 8192, 0, 262144)",
        ));
    };
    report.notes.push(format!(
        "{}: {} bytes, UFS2 superblock at byte {} (block size {}, fragment size {})",
        t.jail, actual, sb.location, sb.bsize, sb.fsize
    ));
    if sb.location != ufs::SBLOCK_UFS2 {
        let verdict = if sb.sblockloc == i64::try_from(sb.location).unwrap_or(-1) {
            format!(
                "FreeBSD's kernel searches 65536, 8192, 0, 262144 (fs.h SBLOCKSEARCH) and accepts \
                 a UFS2 superblock at {} because its fs_sblockloc says so",
                sb.location
            )
        } else {
            format!(
                "its fs_sblockloc says {}, so FreeBSD may refuse to mount it",
                sb.sblockloc
            )
        };
        report.warnings.push(Diag::warning(
            None,
            format!(
                "{}: the UFS2 superblock of {} is at byte {}, not the usual {} (NetBSD-derived \
                 makefs builds put it there); {verdict}",
                t.jail,
                t.file,
                sb.location,
                ufs::SBLOCK_UFS2,
            ),
        ));
    }
    Ok(())
}
