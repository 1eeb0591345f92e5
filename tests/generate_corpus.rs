//! In-place edits on real configurations: for every jail.conf in ../shared/corpus that
//! jail(8) accepts, give its first jail a container and run `generate`. Everything
//! outside that jail's block must stay byte-identical, and the result must still parse.

mod common;

use common::*;
use jailvol::diag::Source;
use jailvol::parse::jailconf::parse_source;
use jailvol::parse::loader::Loader;

#[test]
fn corpus_edits_touch_only_the_managed_block() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let mut edited = 0;
    let mut names: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".conf") || name.contains("rc.conf") || name.contains("rcjail") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(parsed) = parse_source(
            &Loader::default(),
            Source::new("/etc/jail.conf", text.clone()),
            false,
        ) else {
            continue; // the known-broken files
        };
        let cfg = jailvol::model::load(&parsed);
        let Some(jail) = cfg.jails.iter().find(|j| parsed.jails[j.record].block.is_some()) else {
            continue; // globals-only templates
        };
        let block = parsed.jails[jail.record].block.clone().unwrap();
        // The admin adds one line to the block: the container setting.
        let insert_at = block.open + 1;
        let setting = "\n\t$volume_size = \"1G\";";
        let mut input = text.clone();
        input.insert_str(insert_at, setting);
        if jail.scalar("path").is_none_or(|p| !p.starts_with('/')) {
            input.insert_str(insert_at, "\n\tpath = \"/jails/corpus\";");
        }
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        std::fs::write(root.path().join("etc/jail.conf"), &input).unwrap();
        let mut c = jailvol();
        c.arg("generate").arg("--root").arg(root.path()).arg("-q");
        let r = run(c);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let output = std::fs::read_to_string(root.path().join("etc/jail.conf")).unwrap();
        // Before the block's `{` and after its `}` nothing moved.
        let close_in_input = block.close + (input.len() - text.len());
        let head = &input[..insert_at];
        let tail = &input[close_in_input..];
        assert!(output.starts_with(head), "{name}: text before the block changed");
        let out_tail_start = output.len() - tail.len();
        assert!(output.ends_with(tail), "{name}: text after the block changed");
        // Inside the block, the admin's lines are all still there, in order.
        let inner_in = &input[insert_at..close_in_input];
        let inner_out = &output[insert_at..out_tail_start];
        let mut rest = inner_out;
        for line in inner_in.lines() {
            let at = rest
                .find(line)
                .unwrap_or_else(|| panic!("{name}: lost line {line:?}"));
            rest = &rest[at + line.len()..];
        }
        assert!(inner_out.contains("# jailvol"), "{name}: nothing added");
        // And jail(8) still reads it.
        let re = parse_source(
            &Loader::default(),
            Source::new("/etc/jail.conf", output.clone()),
            false,
        );
        assert!(re.is_ok(), "{name}: output does not parse");
        edited += 1;
    }
    assert!(edited >= 10, "only {edited} corpus files were edited");
}
