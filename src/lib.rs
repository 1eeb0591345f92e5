//! jailvol: fixed-size UFS containers for FreeBSD jails.
//!
//! Data flows one way: `parse` (jail.conf, rc.conf) → `model` (what jail(8) sees) →
//! `volume` → `plan`/`rcplan` (the files to write) → `write` or `check`; `create`,
//! `grow` and `migrate` are step lists run by `engine`. `ops` holds each command's
//! work and `cli` only reads arguments and prints. See ARCHITECTURE.md.

pub mod check;
pub mod cli;
pub mod completions;
pub mod create;
pub mod depend;
pub mod diag;
pub mod diff;
pub mod edit;
pub mod emit;
pub mod engine;
pub mod exec;
pub mod fstab;
pub mod grow;
pub mod halves;
pub mod hash;
pub mod input;
pub mod legacy;
pub mod lint;
pub mod locate;
pub mod man;
pub mod migrate;
pub mod model;
pub mod ops;
pub mod parse;
pub mod plan;
pub mod rcplan;
pub mod retire;
pub mod settings;
pub mod shell;
pub mod status;
pub mod ufs;
pub mod volume;
pub mod write;
