//! `check` on geli containers: JV040 for a keyfile others can read or write, none for
//! one only its owner can; a geli container's file is ciphertext, so no JV018.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;

fn codes(mode: u32) -> (Vec<String>, String) {
    let root = tempfile::tempdir().unwrap();
    let p = |rel: &str| root.path().join(rel);
    std::fs::create_dir_all(p("etc/jailvol")).unwrap();
    std::fs::create_dir_all(p("jails/www")).unwrap();
    std::fs::write(
        p("etc/jail.conf"),
        "www { path = /jails/www; $volume_size = 32M; $volume_md_unit = 100; \
         $volume_encrypt = geli; $volume_keyfile = /etc/jailvol/www.key; }\n",
    )
    .unwrap();
    std::fs::File::create(p("jails/www.ufs"))
        .unwrap()
        .set_len(32 << 20)
        .unwrap();
    std::fs::write(p("etc/jailvol/www.key"), [7u8; 64]).unwrap();
    std::fs::set_permissions(p("etc/jailvol/www.key"), std::fs::Permissions::from_mode(mode)).unwrap();
    let mut c = jailvol();
    c.args(["check", "--format", "json", "--root"]).arg(root.path());
    let r = run(c);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let codes = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    (codes, r.stdout)
}

#[test]
fn a_keyfile_others_can_read_or_write_is_jv040() {
    for mode in [0o644, 0o640, 0o604, 0o620] {
        let (codes, out) = codes(mode);
        assert!(codes.iter().any(|c| c == "JV040"), "{mode:o}: {out}");
        assert!(out.contains("chmod 600"), "{mode:o}: {out}");
    }
}

#[test]
fn an_owner_only_keyfile_is_clean_and_no_superblock_is_wanted() {
    for mode in [0o600, 0o400] {
        let (codes, out) = codes(mode);
        assert!(!codes.iter().any(|c| c == "JV040"), "{mode:o}: {out}");
        assert!(!codes.iter().any(|c| c == "JV018"), "{mode:o}: {out}");
    }
}
