//! The manual page: `jailvol man`.
//!
//! The page's source is `contrib/jailvol.8` (mdoc(7), section 8), included verbatim, so
//! the installed page and the command's output cannot drift apart; tests/contrib_man.rs
//! checks that the page names every subcommand and option `cli::Cli::command()` has.

/// The mdoc source of jailvol(8), byte for byte as in `contrib/jailvol.8`.
pub const PAGE: &str = include_str!("../contrib/jailvol.8");
