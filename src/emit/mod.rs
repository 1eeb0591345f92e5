//! Output formats.

pub mod jailconf;
pub mod json;
