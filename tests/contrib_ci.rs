//! contrib/ci/: the GitHub Actions job, the GitLab CI job and the pre-commit hook run
//! `jailvol check` on a configuration repository, which holds the host's tree but not
//! its containers. Each must pass on an up-to-date repository and fail on drift.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const CI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/ci");

/// A repository as `jailvol generate --root .` leaves it: no containers.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/jail.conf"),
        "path = \"/jails/$name\";\nexec.clean;\n\
         www { ip4.addr = 10.0.0.2; $volume_size = 2G; }\n\
         db { ip4.addr = 10.0.0.3; $volume_size = 8G; }\n",
    )
    .unwrap();
    let mut g = jailvol();
    g.args(["generate", "-q", "--root"]).arg(dir.path());
    let r = run(g);
    assert_eq!(r.code, 0, "generate: {}", r.stderr);
    dir
}

/// The `jailvol check ...` command of a CI file, as words (those lines quote nothing).
fn check_words(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(CI).join(file)).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("jailvol check --") && !l.trim_start().starts_with('#'))
        .unwrap_or_else(|| panic!("{file}: no `jailvol check` line"));
    let at = line.find("jailvol check --").unwrap();
    line[at..].split_whitespace().skip(1).map(str::to_owned).collect()
}

/// Make one generated file differ from what generate writes.
fn drift(repo: &Path) {
    let f = repo.join("etc/jailvol/www.fstab");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replace("rw", "ro")).unwrap();
}

#[test]
fn the_ci_jobs_pass_a_clean_repository_and_fail_on_drift() {
    for file in ["github-actions.yml", "gitlab-ci.yml"] {
        let words = check_words(file);
        let repo = repository();
        let check = |state: &str, want: i32| {
            let mut c = jailvol();
            c.args(&words).current_dir(repo.path());
            let r = run(c);
            assert_eq!(
                r.code, want,
                "{file}: {words:?} on a {state} repository:\n{}{}",
                r.stdout, r.stderr
            );
        };
        check("clean", 0);
        drift(repo.path());
        check("drifted", 1);
    }
}

#[test]
fn the_pre_commit_hook_checks_the_index() {
    if Command::new("git").arg("--version").output().is_err() {
        panic!("git is needed to test contrib/ci/pre-commit");
    }
    let repo = repository();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    let bin = Path::new(env!("CARGO_BIN_EXE_jailvol"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let hook = |repo: &Path| {
        Command::new("sh")
            .arg(Path::new(CI).join("pre-commit"))
            .current_dir(repo)
            .env("PATH", &path)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap()
    };
    let out = hook(repo.path());
    assert!(
        out.status.success(),
        "pre-commit on a clean index: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Drift in the work tree only: the index is still clean.
    drift(repo.path());
    assert!(
        hook(repo.path()).status.success(),
        "pre-commit read the work tree"
    );
    git(&["add", "-A"]);
    let out = hook(repo.path());
    assert!(!out.status.success(), "pre-commit passed an index with drift");
}
