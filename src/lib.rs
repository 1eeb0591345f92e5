//! jailvol: fixed-size UFS containers for FreeBSD jails.
//!
//! Data flows one way: `parse` (jail.conf, rc.conf) → `model` (what jail(8) sees) →
//! `emit` (text, JSON) and later plan/exec/check. See ARCHITECTURE.md.

pub mod cli;
pub mod diag;
pub mod emit;
pub mod input;
pub mod legacy;
pub mod model;
pub mod parse;
