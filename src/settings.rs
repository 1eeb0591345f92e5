//! The names of jailvol's own settings in jail.conf: variables jail(8) ignores
//! (`config.c` drops `PF_VAR` parameters after substitution), so they live in the
//! admin's jail.conf, per jail or in a wildcard block (design §3). A leaf module, so
//! that `locate` (which looks them up) and `volume` (which validates them) need not
//! import each other for three names.

/// `$volume_size`: makes a jail managed.
pub const VAR_SIZE: &str = "volume_size";
/// `$volume_file`: the container, by default `PATH.ufs`.
pub const VAR_FILE: &str = "volume_file";
/// `$volume_md_unit`: the md unit, assigned once by generate.
pub const VAR_UNIT: &str = "volume_md_unit";
