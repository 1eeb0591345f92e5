//! The manual page and shell completions: `jailvol man` and `jailvol completions`.
//!
//! The page's source is `contrib/jailvol.8` (mdoc(7), section 8), included verbatim, so
//! the installed page and the command's output cannot drift apart. The completions are
//! generated from the clap command the caller builds (`cli::Cli::command()`), so this
//! module does not depend on the command line's definitions; tests/contrib_man.rs checks
//! that the page names every subcommand and option that command has.

use clap_complete::Shell;

/// The mdoc source of jailvol(8), byte for byte as in `contrib/jailvol.8`.
pub const PAGE: &str = include_str!("../contrib/jailvol.8");

/// A shell that `jailvol completions` writes a script for.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// The completion script for `shell`, generated from the clap command `cmd`.
pub fn completions(shell: CompletionShell, mut cmd: clap::Command) -> Vec<u8> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "jailvol", &mut out);
    out
}
