//! `jailvol convert`: legacy rc.conf jails to jail.conf.

use clap::Args;

use super::{Format, Global, Globals, print};
use crate::diag::exit;
use crate::ops::convert::{self, Outcome};
use crate::parse::loader::Loader;
use crate::parse::rcconf::RcVars;

#[derive(Args, Debug, Clone)]
pub struct ConvertArgs {
    /// Jails to convert, like `service jail start NAME...` (default: jail_list).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Write to FILE (atomically; taken below --root) instead of standard output. An
    /// existing FILE must be a jail.conf: the converted jails are appended to it, and
    /// nothing already in it changes.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// With -o: replace the block FILE already has for a converted jail (that block
    /// alone; everything else in FILE is kept). With --format json: replace FILE if it
    /// holds an earlier JSON output.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Before each line, a comment naming the rc.conf variables behind it.
    #[arg(long)]
    pub explain: bool,
    /// Meaning of the variables: `9` (FreeBSD 6.x-9.x: mount_enable mounts the fstab, no
    /// allow.mount) or `current` (10.0 and later).
    #[arg(long, value_enum, default_value = "current")]
    pub era: crate::legacy::Era,
    /// The host's net.inet6.ip6.dad_count: IPv6 jails start with `sleep N+1`.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub ipv6_dad_count: i64,
    /// The kernel has no VIMAGE: jails without jail_NAME_ip are skipped, like rc.d/jail.
    #[arg(long)]
    pub no_vimage: bool,
}

impl ConvertArgs {
    /// What the conversion itself depends on.
    pub fn options(&self) -> crate::legacy::Options {
        crate::legacy::Options {
            names: self.names.clone(),
            era: self.era,
            ipv6_dad_count: self.ipv6_dad_count,
            vimage: !self.no_vimage,
        }
    }

    fn ops(&self, g: &Globals) -> convert::Options {
        convert::Options {
            input: g.input.clone(),
            legacy: self.options(),
            output: self.output.clone(),
            force: self.force,
            explain: self.explain,
            json: g.format == Format::Json,
        }
    }
}

pub(crate) fn convert(g: &Globals, a: &ConvertArgs) -> anyhow::Result<i32> {
    let path = a.output.as_deref().unwrap_or_default();
    match convert::convert(&a.ops(g), &|d| g.warn(d))? {
        Outcome::Text(text) => print(&text)?,
        Outcome::WroteJson => {}
        Outcome::Merged(done) if done.created => g.note(&format!("wrote {path}")),
        Outcome::Merged(done) if !done.changed => g.note(&format!("{path} is up to date")),
        Outcome::Merged(done) => {
            if !done.added.is_empty() {
                g.note(&format!("{path}: added {}", done.added.join(", ")));
            }
            if !done.replaced.is_empty() {
                g.note(&format!("{path}: replaced {}", done.replaced.join(", ")));
            }
        }
    }
    Ok(exit::OK)
}

/// `convert` on variables already evaluated: prints the warnings, returns the text (or
/// the errors, exit 65, when any jail cannot be converted faithfully).
pub fn convert_vars(g: &Global, a: &ConvertArgs, loader: &Loader, vars: &RcVars) -> anyhow::Result<String> {
    let g = Globals::lenient(g);
    convert::text(&a.ops(&g), loader, vars, &|d| g.warn(d))
}
