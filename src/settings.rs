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
/// `$volume_encrypt`: how the container is encrypted; only `geli` (geli(8)) is known.
pub const VAR_ENCRYPT: &str = "volume_encrypt";
/// `$volume_keyfile`: the geli keyfile, an absolute path on the host. jailvol never
/// writes it (the admin makes it: `dd if=/dev/random of=KEYFILE bs=64 count=1`).
pub const VAR_KEYFILE: &str = "volume_keyfile";

/// Every setting, in the order messages list them: the one list that `locate` (what
/// the model keeps), JV031 (known names) and the rc.conf conversion read.
pub const ALL: [&str; 5] = [VAR_SIZE, VAR_FILE, VAR_UNIT, VAR_ENCRYPT, VAR_KEYFILE];

/// The value of `$volume_encrypt` for a geli container.
pub const ENCRYPT_GELI: &str = "geli";

/// The settings as a message lists them: `$a, $b and $c`.
pub fn listed() -> String {
    let mut s = String::new();
    for (i, name) in ALL.iter().enumerate() {
        if i > 0 {
            s.push_str(if i + 1 == ALL.len() { " and " } else { ", " });
        }
        s.push('$');
        s.push_str(name);
    }
    s
}
