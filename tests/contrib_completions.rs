//! `jailvol completions SHELL`: a script for each shell that knows the commands and the
//! global options.

mod common;

fn completions(shell: &str) -> String {
    let r = common::run({
        let mut c = common::jailvol();
        c.args(["completions", shell]);
        c
    });
    assert_eq!(r.code, 0, "completions {shell}: {}", r.stderr);
    r.stdout
}

#[test]
fn each_shell_knows_generate_and_root() {
    // fish spells a long option `-l root`; bash and zsh write `--root`; tcsh completes
    // --root's value as a directory and asks jailvol for the command names (see
    // tests/completion_shells.rs).
    for (shell, generate, root) in [
        ("bash", "generate", "--root"),
        ("zsh", "generate", "--root"),
        ("fish", "generate", "-l root"),
        ("tcsh", "__complete-jails --tcsh", "'n/--root/d/'"),
    ] {
        let out = completions(shell);
        assert!(!out.trim().is_empty(), "{shell}: empty output");
        assert!(out.contains(generate), "{shell}: no `{generate}`");
        assert!(out.contains(root), "{shell}: no `{root}`");
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let r = common::run({
        let mut c = common::jailvol();
        c.args(["completions", "powershell"]);
        c
    });
    assert_eq!(r.code, 64, "{}", r.stderr);
}

/// contrib/completions/ ships each script as `jailvol completions SHELL` prints it,
/// so the port installs them from the source tree instead of running the binary it
/// just built (which a cross build cannot run). `JAILVOL_BLESS=1` rewrites them.
#[test]
fn shipped_scripts_are_the_commands_output() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/completions");
    let shipped = [
        ("bash", "jailvol.bash"),
        ("zsh", "_jailvol"),
        ("fish", "jailvol.fish"),
        ("tcsh", "jailvol.tcsh"),
    ];
    for (shell, file) in shipped {
        common::expect_file(&dir.join(file), &completions(shell));
    }
    // A new script needs its row above.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read contrib/completions")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<&str> = shipped.iter().map(|(_, f)| *f).collect();
    want.sort();
    assert_eq!(names, want, "contrib/completions/ holds a file no test compares");
}
