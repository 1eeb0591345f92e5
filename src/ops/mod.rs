//! The operations behind the commands: what each one does to the host, and every
//! FreeBSD rule it follows. src/cli turns arguments into these calls and prints.

pub mod create;
pub mod grow;
pub mod migrate;
