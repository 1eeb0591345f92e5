//! Parsers for the two configuration languages jailvol reads. Each keeps byte spans of
//! every statement so errors point at `file:line:col` and edits keep the user's text.

pub mod fstab;
pub mod jailconf;
pub mod loader;
pub mod rcconf;
pub(crate) mod read;
pub(crate) mod text2lval;
