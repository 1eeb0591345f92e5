//! README.md's set-up: the two commands of its first block, the install section right
//! after it (whose line .ci/run runs for real from a clean clone), and the minimum Rust
//! version it states, which must be Cargo.toml's `rust-version` and must really build
//! the locked dependencies.

use std::process::Command;

const README: &str = include_str!("../README.md");
const CARGO_TOML: &str = include_str!("../Cargo.toml");
const CI_RUN: &str = include_str!("../.ci/run");

/// The lines of each fenced code block, in order, with the heading above it.
fn code_blocks(text: &str) -> Vec<(String, Vec<&str>)> {
    let mut blocks = Vec::new();
    let mut heading = String::new();
    let mut open: Option<Vec<&str>> = None;
    for line in text.lines() {
        match open.as_mut() {
            Some(lines) if line == "```" => {
                blocks.push((heading.clone(), std::mem::take(lines)));
                open = None;
            }
            Some(lines) => lines.push(line),
            None if line.starts_with("```") => open = Some(Vec::new()),
            None if line.starts_with('#') => heading = line.to_owned(),
            None => {}
        }
    }
    blocks
}

/// A `key = "value"` of Cargo.toml's `[package]` table (the file is ours: one per line).
fn package_key(key: &str) -> String {
    let prefix = format!("{key} = \"");
    CARGO_TOML
        .lines()
        .take_while(|l| !l.starts_with("[dependencies]"))
        .find_map(|l| l.strip_prefix(&prefix)?.strip_suffix('"'))
        .unwrap_or_else(|| panic!("Cargo.toml: no {key}"))
        .to_owned()
}

/// `1.88` or `1.88.0` as (1, 88): rust-version may omit the patch level.
fn major_minor(v: &str) -> (u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b))) => (a, b),
        _ => panic!("not a Rust version: {v}"),
    }
}

#[test]
fn the_first_block_holds_exactly_the_two_set_up_commands() {
    let blocks = code_blocks(README);
    let (_, first) = blocks.first().expect("README.md has no code block");
    let commands: Vec<&str> = first.iter().filter(|l| !l.trim().is_empty()).copied().collect();
    assert_eq!(commands.len(), 2, "README's first block: {commands:#?}");
    assert!(commands[0].starts_with("cargo run -- "), "{}", commands[0]);
    assert!(commands[1].starts_with("cargo test "), "{}", commands[1]);
}

#[test]
fn install_is_its_own_section_right_after_the_first_block() {
    let blocks = code_blocks(README);
    let (heading, lines) = blocks.get(1).expect("README.md has one code block only");
    assert_eq!(heading, "## Install", "the block after the first one");
    assert_eq!(lines, &["cargo install --locked --path ."]);
    // .ci/run reads that line from this section and runs it.
    for want in [
        "/^## Install$/",
        "CARGO_INSTALL_ROOT=",
        "git clone",
        "$install_line",
    ] {
        assert!(CI_RUN.contains(want), ".ci/run lacks `{want}`");
    }
}

#[test]
fn readme_states_cargo_tomls_rust_version_and_edition() {
    let rust_version = package_key("rust-version");
    let edition = package_key("edition");
    let install = README
        .split("\n## ")
        .find(|s| s.starts_with("Install\n"))
        .expect("README.md has no Install section");
    let words: Vec<&str> = install.split_whitespace().collect();
    let stated = words
        .windows(4)
        .find(|w| w[0] == "Rust" && w[2] == "or" && w[3] == "later")
        .map(|w| w[1])
        .expect("README's Install section does not say `Rust X.Y or later`");
    assert_eq!(
        major_minor(stated),
        major_minor(&rust_version),
        "README says Rust {stated}; Cargo.toml's rust-version is {rust_version}"
    );
    assert!(
        install.contains(&format!("edition {edition}")),
        "README's Install section does not name edition {edition}"
    );
}

/// Cargo refuses to build a package whose `rust-version` is above the running rustc, so
/// the oldest toolchain that builds jailvol with Cargo.lock is at least the highest
/// `rust-version` in the locked graph (build, normal and dev dependencies: the README
/// asks for `cargo test` too). The crate's own must not claim less.
#[test]
fn rust_version_covers_the_locked_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let ours = major_minor(&package_key("rust-version"));
    let packages = doc["packages"].as_array().expect("packages");
    let mut above = Vec::new();
    for p in packages {
        let (Some(name), Some(rv)) = (p["name"].as_str(), p["rust_version"].as_str()) else {
            continue;
        };
        if name != "jailvol" && major_minor(rv) > ours {
            above.push(format!("{name} {} needs {rv}", p["version"]));
        }
    }
    assert!(
        above.is_empty(),
        "Cargo.toml's rust-version {ours:?} is below: {above:#?}"
    );
}
