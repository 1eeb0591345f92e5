//! Parsers for the two configuration languages jailvol reads. Each keeps byte spans of
//! every statement so errors point at `file:line:col` and edits keep the user's text.

pub mod fstab;
pub mod jailconf;
pub mod loader;
pub mod rcconf;
pub(crate) mod read;
pub(crate) mod text2lval;

use std::sync::Arc;

use crate::diag::{Diag, Loc, Source};

/// A file past 4 GiB is refused: the jail.conf parse keeps offsets in 32 bits
/// (`jailconf::offset`), rc.conf's variables their places (`rcconf::VarMap`). jail(8)
/// and sh would read it; no configuration is near that size.
pub(crate) fn too_large(source: &Arc<Source>) -> Result<(), Diag> {
    if offsets_reach(source.text.len()) {
        return Ok(());
    }
    Err(Diag::error(
        Some(Loc::new(source, 0)),
        "larger than 4 GiB: jailvol reads configuration files up to 4 GiB",
    )
    .with_exit(crate::diag::exit::DATAERR))
}

/// Whether every offset of a text of `len` bytes, and its end, fit in 32 bits.
fn offsets_reach(len: usize) -> bool {
    u32::try_from(len).is_ok()
}
