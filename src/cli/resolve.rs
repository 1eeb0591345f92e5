//! Raw arguments → resolved options, in one place: which input to read, the output
//! format, colour (against the terminal and `NO_COLOR`), `-q` and `-v`. The commands read these, never `Global` itself.

use super::color::{self, Stream};
use super::{Color, Format, Global};
use crate::input::{self, InputKind};

/// The global options, resolved.
#[derive(Debug, Clone)]
pub struct Globals {
    pub input: input::Options,
    pub format: Format,
    /// `--color` as given: each stream resolves it (`color::enabled`).
    pub color: Color,
    /// Whether diagnostics on standard error are coloured.
    pub err_color: bool,
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
            color: g.color,
            err_color: color::enabled(g.color, Stream::Stderr),
            quiet: g.quiet,
            verbose: g.verbose,
        }
    }
}
