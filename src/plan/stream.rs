//! The types of a plan handed out a file at a time (`plan::generate_each`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Artifact, Content, Prepared};
use crate::diag::{Diag, Source};
use crate::model::FnvMap;

/// Why a plan handed out file by file (`generate_each`) stopped: its own errors, found
/// before any file was handed out, or the caller's.
#[derive(Debug)]
pub enum Stop<E> {
    Plan(Vec<Diag>),
    Caller(E),
}

/// What a plan handed out file by file knows before its first file: its warnings, the
/// paths it will write (`Artifact::path`, in order; none for a `Files` that does not
/// ask for them, `Files::PATHS`) and `Plan::dir_refs`.
pub struct Head<'h> {
    pub warnings: &'h [Diag],
    pub paths: &'h [String],
    pub dir_refs: Option<&'h [String]>,
}

/// Where `generate_each` hands its files.
pub trait Files {
    type Error;
    /// Whether `head` reads `Head::paths`: one for each jail, made and dropped for
    /// nothing by a `Files` that gets every file anyway.
    const PATHS: bool = true;
    /// Before the first file, once nothing can refuse the plan any more.
    fn head(&mut self, head: &Head<'_>) -> Result<(), Self::Error>;
    /// Each file as soon as it is made, in the order of `Plan::artifacts`.
    fn file(&mut self, file: Artifact) -> Result<(), Self::Error>;
    /// The configuration's main file, at `path`, comes next once edited (before the
    /// files it includes): what compares it may read it meanwhile.
    fn coming(&mut self, path: &str) -> Result<(), Self::Error> {
        let _ = path;
        Ok(())
    }
}

/// `Files` keeping every file.
pub(super) struct Keep(pub(super) Vec<Artifact>);

impl Files for Keep {
    type Error = std::convert::Infallible;
    const PATHS: bool = false;
    fn head(&mut self, _: &Head<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
    fn file(&mut self, file: Artifact) -> Result<(), Self::Error> {
        self.0.push(file);
        Ok(())
    }
}

/// A `Prepared` borrowed from the caller (check lints it meanwhile), or this run's own,
/// which generate frees before it edits the configuration.
pub(super) enum Held<'a> {
    Borrowed(&'a Prepared),
    Owned(Prepared),
}

impl Held<'_> {
    pub(super) fn get(&self) -> &Prepared {
        match self {
            Held::Borrowed(p) => p,
            Held::Owned(p) => p,
        }
    }
}

/// Every file of the configuration, edited or as read, so `check` can tell a stale
/// file from a missing one.
pub(super) fn push_config_files<F: Files>(
    sources: &[Arc<Source>],
    mut changed: BTreeMap<String, String>,
    out: &mut F,
) -> Result<(), F::Error> {
    let sources = || sources.iter().filter(|s| s.name != "STDIN");
    // A file included twice gets the same edit both times (edit::apply works by name):
    // copied for all but its last inclusion, where it is moved out (for thousands of
    // jails the file is megabytes).
    let mut left: FnvMap<&str, usize> = FnvMap::default();
    for src in sources() {
        *left.entry(src.name.as_str()).or_default() += 1;
    }
    for src in sources() {
        let more = left.get_mut(src.name.as_str()).map_or(0, |n| {
            *n -= 1;
            *n
        });
        let edited = if more > 0 {
            changed.get(&src.name).cloned()
        } else {
            changed.remove(&src.name)
        };
        out.file(Artifact {
            path: src.name.clone(),
            content: edited.map_or_else(|| Content::Read(Arc::clone(&src.text)), Content::Made),
            mode: 0o644,
            owned: false,
        })?;
    }
    Ok(())
}
