//! Raw arguments → resolved options, in one place: which input to read, the output
//! format (checked against what the command can print), colour (against the terminal
//! and `NO_COLOR`), `-q` and `-v`. The commands read these, never `Global` itself.

use super::color::{self, Stream};
use super::{Color, Command, Format, Global};
use crate::diag::{Diag, exit};
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
            root: g.root.as_deref().map(root_dir),
            skip_unsupported: g.skip_unsupported,
        }
    }
}

/// `--root` as the host names it, once for every later join: absolute, without `.`
/// components, doubled or trailing slashes (`--root .` in /tmp/x is `/tmp/x`), so the
/// paths jailvol prints and writes into scripts read `/tmp/x/usr/jails/www`, not
/// `./usr/jails/www` or `/tmp/x/./usr/jails/www`. `..` is kept: below a symbolic link
/// it is not the lexical parent (path_resolution(7); std::path::absolute keeps it for
/// that reason). A root that cannot be made absolute (no current directory, an empty
/// argument) is kept as given: reading below it fails with its own message.
fn root_dir(root: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let Ok(abs) = std::path::absolute(root) else {
        return root.to_path_buf();
    };
    let bytes = abs.as_os_str().as_bytes();
    let end = bytes.len() - bytes.iter().rev().take_while(|&&b| b == b'/').count();
    // `/` stays `/`.
    std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&bytes[..end.max(1)]))
}

impl Globals {
    /// The options as given, the format not checked against a command (see `for_command`).
    pub fn lenient(g: &Global) -> Globals {
        Globals {
            input: g.into(),
            format: g.format,
            color: g.color,
            err_color: color::enabled(g.color, Stream::Stderr),
            quiet: g.quiet,
            verbose: g.verbose,
        }
    }

    /// The options for `cmd`: a format it cannot print is a usage error (exit 64), not
    /// text silently printed instead.
    pub fn for_command(g: &Global, cmd: &Command) -> Result<Globals, Diag> {
        let (name, formats) = formats(cmd);
        if !formats.contains(&g.format) {
            let can = match formats {
                [one] => format!("{} only", format_name(*one)),
                _ => formats
                    .iter()
                    .map(|f| format_name(*f))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            return Err(Diag::error(
                None,
                format!(
                    "{name} cannot print --format {}: it prints {can}",
                    format_name(g.format),
                ),
            )
            .with_exit(exit::USAGE));
        }
        Ok(Globals::lenient(g))
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Text => "text",
        Format::Json => "json",
        Format::Github => "github",
    }
}

/// Each command's name and the formats it prints. Text is what every command prints;
/// JSON where a document is defined (docs/); GitHub annotations are check's findings.
fn formats(cmd: &Command) -> (&'static str, &'static [Format]) {
    use Format::{Github, Json, Text};
    match cmd {
        Command::Show => ("show", &[Text, Json]),
        Command::Generate(_) => ("generate", &[Text, Json]),
        Command::Check(_) => ("check", &[Text, Json, Github]),
        Command::Vars(_) => ("vars", &[Text, Json]),
        // A plan is a document; a run prints progress, not one.
        Command::Create(a) if a.dry_run => ("create --dry-run", &[Text, Json]),
        Command::Create(_) => ("create (without --dry-run)", &[Text]),
        Command::Convert(_) => ("convert", &[Text, Json]),
        Command::Migrate(a) if !a.execute => ("migrate", &[Text, Json]),
        Command::Migrate(_) => ("migrate --execute", &[Text]),
        Command::Grow(a) if a.dry_run => ("grow --dry-run", &[Text, Json]),
        Command::Grow(_) => ("grow (without --dry-run)", &[Text]),
        Command::Status(_) => ("status", &[Text, Json]),
        Command::Man => ("man", &[Text]),
        Command::Completions { .. } => ("completions", &[Text]),
    }
}

#[cfg(test)]
mod tests {
    use super::root_dir;
    use std::path::{Path, PathBuf};

    #[test]
    fn the_root_is_absolute_and_clean() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(root_dir(Path::new(".")), cwd);
        assert_eq!(root_dir(Path::new("./")), cwd);
        assert_eq!(root_dir(Path::new("a/./b//")), cwd.join("a/b"));
        assert_eq!(root_dir(Path::new("/")), PathBuf::from("/"));
        assert_eq!(root_dir(Path::new("//x/./y/")), PathBuf::from("/x/y"));
        assert_eq!(root_dir(Path::new("/x/../y")), PathBuf::from("/x/../y"));
        assert_eq!(root_dir(Path::new("")), PathBuf::from(""));
    }
}
