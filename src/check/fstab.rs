//! Lints on the fstab files jails mount through `mount.fstab`.

use super::Report;
use crate::diag::{Loc, Source};
use crate::lint::Lint;
use crate::locate;
use crate::model::Config;
use crate::parse::fstab;
use crate::parse::jailconf::{Parsed, Text};
use crate::parse::loader::Loader;
use crate::plan::Options;
use crate::settings::VAR_SIZE;

/// `cfg` is the admin's configuration (jailvol's statements left out); `parsed` has them.
pub fn lint(loader: &Loader, parsed: &Parsed, cfg: &Config, opts: &Options, r: &mut Report) {
    let ours_prefix = format!("{}/", opts.fstab_dir.trim_end_matches('/'));
    let find = locate::Finder::new(["mount.fstab", "path"], [VAR_SIZE]);
    for j in &cfg.jails {
        // `PREFIX/NAME.fstab`, compared without making the string for every jail.
        let is_ours = |f: &str| {
            f.strip_prefix(ours_prefix.as_str())
                .and_then(|f| f.strip_suffix(".fstab"))
                .is_some_and(|n| n == j.name)
        };
        let ([fstabs, path], [size]) = find.get(j);
        let managed = locate::last(size).is_some();
        // jailvol's own mount.fstab statement in the block, as it stands in the file.
        let written = parsed.jails.get(j.record).and_then(|rec| {
            parsed
                .marked_params(rec)
                .rev()
                .find(|p| !p.is_var && locate::same_param(&p.name, "mount.fstab"))
        });
        let files_own = fstabs.map_or(&[][..], |p| p.values.as_slice());
        let first = match written {
            Some(w) => w.values.first().map(|v| v.text.as_str()),
            None => files_own.first().map(Text::as_str),
        };
        let listed = written.is_some() || files_own.iter().any(|f| is_ours(f));
        if managed && listed && !first.is_some_and(is_ours) {
            let ours = format!("{ours_prefix}{}.fstab", j.name);
            r.push(
                Lint::ContainerNotFirst
                    .diag(
                    j.loc.clone(),
                    format!(
                        "{}: the container's fstab {ours} is not the first mount.fstab file: jail(8) mounts the \
                         files in order, so earlier mounts land under the container and are hidden",
                        j.name
                    ),
                )
                .with_jail(&j.name),
            );
        }
        let path = locate::last(path).map(|p| p.trim_end_matches('/'));
        for f in files_own.iter().filter(|f| !f.is_empty() && !is_ours(f)) {
            let text = match std::fs::read(loader.real_path(f)) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    r.push(
                        Lint::UnreadableFstab
                            .diag(
                                j.loc.clone(),
                                format!(
                                    "{}: mount.fstab {f}: {e}: jail(8) fails to start the jail",
                                    j.name
                                ),
                            )
                            .with_jail(&j.name),
                    );
                    continue;
                }
            };
            let src = Source::new(f.to_string(), text);
            let at = |line: usize| {
                let offset: usize = src.text.split('\n').take(line - 1).map(|l| l.len() + 1).sum();
                Some(Loc::new(&src, offset))
            };
            let (lines, errors) = fstab::parse(&src.text);
            for e in errors {
                r.push(
                    Lint::UnusableFstabLine
                        .diag(at(e.line), format!("{}: {}", j.name, e.message))
                        .with_jail(&j.name),
                );
            }
            for l in &lines {
                if matches!(l.fstype.as_str(), "md" | "mfs") || l.options().any(|o| o == "noauto") {
                    r.push(
                        Lint::SeedLineInMountFstab
                            .diag(
                            at(l.line),
                            format!(
                                "{}: a \"{}\" line{} in a mount.fstab file: jail(8) ignores noauto and mounts it, \
                                 and can never unmount an md/mfs line (its type is checked against the mounted \
                                 file system); this is the pre-jail.conf seed recipe — use `jailvol generate`",
                                j.name,
                                l.fstype,
                                if l.options().any(|o| o == "noauto") { " with noauto" } else { "" }
                            ),
                        )
                        .with_jail(&j.name),
                    );
                }
                if managed && path == Some(l.mountpoint.trim_end_matches('/')) {
                    r.push(
                        Lint::ContainerNotFirst
                            .diag(
                            at(l.line),
                            format!(
                                "{}: this line mounts over the jail's root {}, which the container already is",
                                j.name, l.mountpoint
                            ),
                        )
                        .with_jail(&j.name),
                    );
                }
            }
        }
    }
}
