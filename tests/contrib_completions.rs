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
    // fish spells a long option `-l root`; bash and zsh write `--root`.
    for (shell, root) in [("bash", "--root"), ("zsh", "--root"), ("fish", "-l root")] {
        let out = completions(shell);
        assert!(!out.trim().is_empty(), "{shell}: empty output");
        assert!(out.contains("generate"), "{shell}: no `generate`");
        assert!(out.contains(root), "{shell}: no `{root}`");
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let r = common::run({
        let mut c = common::jailvol();
        c.args(["completions", "tcsh"]);
        c
    });
    assert_eq!(r.code, 64, "{}", r.stderr);
}
