//! Raw arguments → resolved options, in one place: which input to read, the output
//! format, `-q` and `-v`. The commands read these, never `Global` itself.

use super::{Format, Global};
use crate::input::{self, InputKind};

/// The global options, resolved.
#[derive(Debug, Clone)]
pub struct Globals {
    pub input: input::Options,
    pub format: Format,
    pub quiet: bool,
    pub verbose: bool,
}

impl From<&Global> for input::Options {
    fn from(g: &Global) -> input::Options {
        input::Options {
            files: g.files.clone(),
            kind: if g.jail_conf {
                Some(InputKind::JailConf)
            } else if g.rc_conf {
                Some(InputKind::RcConf)
            } else {
                None
            },
            root: g.root.clone(),
        }
    }
}

impl Globals {
    pub fn new(g: &Global) -> Globals {
        Globals {
            input: g.into(),
            format: g.format,
            quiet: g.quiet,
            verbose: g.verbose,
        }
    }
}
