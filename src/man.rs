//! The manual page and shell completions: `jailvol man` and `jailvol completions`.
//!
//! The page's source is `contrib/jailvol.8` (mdoc(7), section 8), included verbatim, so
//! the installed page and the command's output cannot drift apart.

use clap::CommandFactory;
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

/// The completion script for `shell`, generated from the clap definitions.
pub fn completions(shell: CompletionShell) -> Vec<u8> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut cmd = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "jailvol", &mut out);
    out
}
