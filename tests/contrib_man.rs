//! jailvol(8): the page lints clean under mandoc, and `jailvol man` prints exactly
//! contrib/jailvol.8.

mod common;

use std::path::Path;
use std::process::Command;

const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/jailvol.8");

#[test]
fn man_prints_the_contrib_page_byte_for_byte() {
    let out = common::jailvol().arg("man").output().expect("run jailvol man");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = std::fs::read(PAGE).expect("read contrib/jailvol.8");
    assert!(
        out.stdout == want,
        "`jailvol man` differs from contrib/jailvol.8 (rebuild after editing the page)"
    );
}

#[test]
fn mandoc_lint_has_nothing_to_say() {
    if std::env::var_os("JAILVOL_SKIP_MANDOC").is_some_and(|v| v == "1") {
        eprintln!("JAILVOL_SKIP_MANDOC=1: mandoc lint skipped");
        return;
    }
    let out = match Command::new("mandoc")
        .args(["-Tlint", "-Wwarning"])
        .arg(Path::new(PAGE))
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "mandoc is needed to lint contrib/jailvol.8 ({e}): install it (apt-get install mandoc, \
             or it is in FreeBSD's base system), or set JAILVOL_SKIP_MANDOC=1 to skip this test"
        ),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.is_empty() && out.status.success(),
        "mandoc -Tlint -Wwarning contrib/jailvol.8 must print nothing, exit {:?}:\n{text}",
        out.status.code()
    );
}

#[test]
fn page_documents_every_command_and_exit_status() {
    let page = std::fs::read_to_string(PAGE).expect("read contrib/jailvol.8");
    for cmd in [
        "show",
        "vars",
        "convert",
        "generate",
        "check",
        "create",
        "migrate",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!(".It Cm {cmd}")),
            "DESCRIPTION has no entry for {cmd}"
        );
        assert!(page.contains(&format!(".Cm {cmd}\n")), "SYNOPSIS lacks {cmd}");
    }
    for code in ["0", "1", "64", "65", "66", "73", "74"] {
        assert!(
            page.contains(&format!("\n.It {code}\n")),
            "EXIT STATUS lacks {code}"
        );
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(
            page.contains(&format!("\n.Sh {section}\n")),
            "no {section} section"
        );
    }
}
