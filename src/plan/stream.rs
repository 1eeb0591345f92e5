//! The types of a plan handed out a file at a time (`plan::generate_each`).

use super::{Artifact, Prepared};
use crate::diag::Diag;

/// Why a plan handed out file by file (`generate_each`) stopped: its own errors, found
/// before any file was handed out, or the caller's.
#[derive(Debug)]
pub enum Stop<E> {
    Plan(Vec<Diag>),
    Caller(E),
}

/// What a plan handed out file by file knows before its first file: its warnings, the
/// paths it will write (`Artifact::path`, in order) and `Plan::dir_refs`.
pub struct Head<'h> {
    pub warnings: &'h [Diag],
    pub paths: &'h [String],
    pub dir_refs: Option<&'h [String]>,
}

/// Where `generate_each` hands its files.
pub trait Files {
    type Error;
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
