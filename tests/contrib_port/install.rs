//! What the port stages, from its Makefile's install targets, played on a model of the
//! stage directory: it must be the packing list (PLIST_FILES, and PORTDOCS with the
//! DOCS option), take every file from the crate (WRKSRC), and run nothing it built.

use super::{Item, logical_lines, port_dir, read, word_list};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The stage directory, `${STAGEDIR}${PREFIX}`-relative.
struct Stage {
    files: BTreeSet<String>,
    dirs: BTreeSet<String>,
    /// Files taken from WRKSRC, relative to it.
    sources: BTreeSet<String>,
}

/// Words of a recipe with the port's variables replaced: `=STAGE/` for the stage
/// prefix, `=SRC/` for WRKSRC (the crate's root).
fn expand(cmd: &str, name: &str, docs: &[String]) -> String {
    // bsd.port.mk: DOCSDIR?= ${PREFIX}/share/doc/${PORTNAME}, DATADIR?=
    // ${PREFIX}/share/${PORTNAME}.
    cmd.replace("${STAGEDIR}${DOCSDIR}", &format!("=STAGE/share/doc/{name}"))
        .replace("${STAGEDIR}${DATADIR}", &format!("=STAGE/share/{name}"))
        .replace("${STAGEDIR}${PREFIX}/", "=STAGE/")
        .replace("${WRKSRC}/", "=SRC/")
        .replace("${PORTNAME}", name)
        .replace("${PORTDOCS}", &docs.join(" "))
}

impl Stage {
    /// The stage after cargo.mk's do-install: `cargo install --root
    /// ${STAGEDIR}${PREFIX}` puts the crate's binaries in bin/ (jailvol-fakebsd needs a
    /// feature the port does not turn on). The directories are BSD.local.dist's.
    fn after_cargo_install() -> Self {
        let dirs = ["bin", "sbin", "etc", "share/man/man8", "share/doc"];
        Stage {
            files: BTreeSet::from(["bin/jailvol".to_owned()]),
            dirs: dirs.iter().map(|d| d.to_string()).collect(),
            sources: BTreeSet::new(),
        }
    }

    fn staged(&self, w: &str) -> Result<String, String> {
        w.strip_prefix("=STAGE/")
            .map(str::to_owned)
            .ok_or_else(|| format!("{w} is not below the stage"))
    }

    fn target(&self, dst: &str, src: &str) -> Result<String, String> {
        let dst = self.staged(dst)?;
        let base = src.rsplit('/').next().unwrap_or(src);
        Ok(if self.dirs.contains(&dst) {
            format!("{dst}/{base}")
        } else {
            dst
        })
    }

    /// One recipe line; `cwd` is the WRKSRC directory a `cd` moved to.
    fn run(&mut self, cmd: &str, cwd: &mut String) -> Result<(), String> {
        let words: Vec<&str> = cmd.trim_start_matches(['@', '-']).split_whitespace().collect();
        let Some((&first, args)) = words.split_first() else {
            return Ok(());
        };
        match first {
            "cd" => {
                let (dir, rest) = args.split_first().ok_or("cd without a directory")?;
                *cwd = dir.strip_prefix("=SRC/").ok_or("cd out of WRKSRC")?.to_owned();
                match rest {
                    ["&&", more @ ..] => self.run(&more.join(" "), cwd),
                    [] => Ok(()),
                    _ => Err(format!("cannot model {cmd:?}")),
                }
            }
            "${MKDIR}" => {
                for d in args {
                    self.dirs.insert(self.staged(d)?);
                }
                Ok(())
            }
            "${MV}" => {
                let [src, dst] = args else {
                    return Err(format!("{cmd:?}: two paths"));
                };
                let from = self.staged(src)?;
                if !self.files.remove(&from) {
                    return Err(format!("{cmd:?}: nothing staged at {from}"));
                }
                let to = self.target(dst, &from)?;
                self.files.insert(to);
                Ok(())
            }
            "${STRIP_CMD}" => {
                let f = self.staged(args.first().ok_or("strip what?")?)?;
                if self.files.contains(&f) {
                    Ok(())
                } else {
                    Err(format!("strips {f}, which is not staged"))
                }
            }
            "${INSTALL_MAN}" | "${INSTALL_DATA}" | "${INSTALL_PROGRAM}" | "${INSTALL_SCRIPT}" => {
                let (dst, srcs) = args.split_last().ok_or("install what?")?;
                for s in srcs {
                    let src = match s.strip_prefix("=SRC/") {
                        Some(p) => p.to_owned(),
                        None if !cwd.is_empty() && !s.starts_with('=') => format!("{cwd}/{s}"),
                        None => return Err(format!("{s} is not taken from WRKSRC")),
                    };
                    let to = self.target(dst, &src)?;
                    self.files.insert(to);
                    self.sources.insert(src);
                }
                Ok(())
            }
            w if w.starts_with("=STAGE/") => Err(format!("runs the staged {w}: a cross build cannot")),
            _ => Err(format!("the model does not know {cmd:?}: teach it")),
        }
    }
}

/// Plays `post-install` and, with DOCS, `post-install-DOCS-on`; the framework then
/// gzips the manual pages (they are listed as .gz).
fn stage(text: &str, with_docs: bool) -> Result<Stage, String> {
    let items = logical_lines(text);
    let name = word_list(&items, "PORTNAME").join("");
    let docs = word_list(&items, "PORTDOCS");
    let mut stage = Stage::after_cargo_install();
    let mut current = String::new();
    for (_, it) in &items {
        match it {
            Item::Target(t) => current = t.clone(),
            Item::Recipe(cmd) => {
                let on = match current.as_str() {
                    "post-install" => true,
                    "post-install-DOCS-on" => with_docs,
                    t if t.contains("install") => return Err(format!("the model does not play {t}")),
                    _ => false,
                };
                if !on {
                    continue;
                }
                stage.run(&expand(cmd, &name, &docs), &mut String::new())?;
            }
            _ => {}
        }
    }
    stage.files = stage
        .files
        .iter()
        .map(|f| {
            if f.contains("/man/man") {
                format!("{f}.gz")
            } else {
                f.clone()
            }
        })
        .collect();
    Ok(stage)
}

/// The packing list: PLIST_FILES, and each PORTDOCS file in DOCSDIR with DOCS on.
fn packing_list(text: &str, with_docs: bool) -> BTreeSet<String> {
    let items = logical_lines(text);
    let name = word_list(&items, "PORTNAME").join("");
    let mut list: BTreeSet<String> = word_list(&items, "PLIST_FILES")
        .iter()
        // PLIST_SUB's DATADIR (bsd.port.mk): share/${PORTNAME}.
        .map(|f| {
            f.replace("${PORTNAME}", &name)
                .replace("%%DATADIR%%", &format!("share/{name}"))
        })
        .collect();
    if with_docs {
        for d in word_list(&items, "PORTDOCS") {
            list.insert(format!("share/doc/{name}/{d}"));
        }
    }
    list
}

/// Files `cargo package` puts in the crate, which is the port's distfile.
fn crate_files() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo package --list");
    assert!(
        out.status.success(),
        "cargo package --list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn what_the_port_stages_is_its_packing_list() {
    let text = read(&port_dir().join("Makefile"));
    let crate_files = crate_files();
    for with_docs in [true, false] {
        let stage = stage(&text, with_docs).unwrap_or_else(|e| panic!("DOCS={with_docs}: {e}"));
        assert_eq!(
            stage.files,
            packing_list(&text, with_docs),
            "DOCS={with_docs}: staged vs. packing list"
        );
        for src in &stage.sources {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
            assert!(
                path.is_file(),
                "the port installs {src}, which the source tree lacks"
            );
            assert!(
                crate_files.contains(src),
                "the port installs {src}, which the crate lacks"
            );
        }
    }
    // A root-only tool with a section-8 page: sbin/, not bin/.
    let list = packing_list(&text, false);
    assert!(
        list.contains("sbin/jailvol") && !list.contains("bin/jailvol"),
        "{list:?}"
    );
}

#[test]
fn the_model_refuses_what_the_port_must_not_do() {
    let text = read(&port_dir().join("Makefile"));
    let anchor = "\t${STRIP_CMD} ${STAGEDIR}${PREFIX}/sbin/${PORTNAME}\n";
    assert!(
        text.contains(anchor),
        "the Makefile no longer strips sbin/jailvol"
    );
    // The old skeleton made the completions by running the staged binary.
    let run = format!("{anchor}\t${{STAGEDIR}}${{PREFIX}}/sbin/${{PORTNAME}} completions bash > x\n");
    let err = stage(&text.replace(anchor, &run), true).err().unwrap_or_default();
    assert!(err.contains("runs the staged"), "{err}");
    // A file installed but not listed, and one listed but not installed.
    let extra = format!("{anchor}\t${{INSTALL_DATA}} ${{WRKSRC}}/README.md ${{STAGEDIR}}${{PREFIX}}/etc\n");
    let staged = stage(&text.replace(anchor, &extra), true)
        .map(|s| s.files)
        .unwrap_or_default();
    assert_ne!(staged, packing_list(&text, true));
    let unmoved = text.replace(
        "\t${MV} ${STAGEDIR}${PREFIX}/bin/${PORTNAME} ${STAGEDIR}${PREFIX}/sbin\n",
        "",
    );
    assert!(
        stage(&unmoved, true).is_err(),
        "stripping an unstaged sbin/jailvol went unnoticed"
    );
}
