//! A file read in two halves at once (parser/split.rs) against the same file read in
//! one piece: for every offset the second half could start at, the parse (records,
//! warnings, cuts, errors) is the same.

use super::parser::{Parser, Split};
use super::split_point;
use super::tests::{block_lines_counted, dump, fixture_and_corpus_files};
use super::*;

/// The parse of `text` with `split`, and how many parts were joined (a second half, and
/// a middle before it).
fn parse_split(loader: &Loader, text: &str, split: Split) -> (Result<Parsed, Diag>, usize) {
    let mut p = Parser::new(loader, true);
    p.split = split;
    let r = p.parse_config(Source::new("t.conf", text), false);
    let joined = p.joined;
    (r.map(|()| p.out), joined)
}

/// `text` split at each offset of `offsets` parses as in one piece; returns how many
/// splits were taken.
fn same_at(loader: &Loader, text: &str, offsets: impl Iterator<Item = usize>) -> Result<usize, String> {
    same_with(loader, text, offsets.map(Split::At), 1)
}

/// `text` read with each of `splits` parses as in one piece (block lines included:
/// each part counts them from where it starts); returns how many of them joined
/// `parts` parts read on the other thread.
fn same_with(
    loader: &Loader,
    text: &str,
    splits: impl Iterator<Item = Split>,
    parts: usize,
) -> Result<usize, String> {
    let whole = dump(&parse_split(loader, text, Split::Never).0);
    let mut taken = 0;
    for split in splits {
        let (r, joined) = parse_split(loader, text, split);
        let read = dump(&r);
        if read != whole {
            return Err(format!(
                "text {text:?} read with {split:?}:\n--- one piece\n{whole}--- in parts\n{read}"
            ));
        }
        block_lines_counted(text, &r).map_err(|e| format!("{split:?}: {e}"))?;
        taken += usize::from(joined >= parts);
    }
    Ok(taken)
}

/// The fixtures and the corpus files that read as text, with their paths.
fn fixture_and_corpus_texts() -> impl Iterator<Item = (std::path::PathBuf, String)> {
    fixture_and_corpus_files()
        .into_iter()
        .filter_map(|f| Some((f.clone(), std::fs::read_to_string(&f).ok()?)))
}

/// The offset of the start of each line of `text`.
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
}

const TEXTS: &[&str] = &[
    "* {\n\tpath = \"/j/$name\";\n}\n\na {\n\t$id = 1;\n\tip4.addr = \"10.0.0.$id\";\n}\n\nb {\n\tpersist;\n}\n",
    // Nested blocks, a wildcard after the jails, marked statements, depend.
    "a {\n b { p = 1; }\n}\nc { depend = a; q = \"x\"; # jailvol\n}\n\"web*\" { r; }\nd { e { f { g; } } }\n",
    // Statements outside blocks after the first block (the second half gives up).
    "a { p; }\nglobal = 1;\nb { q; }\nmore = 2;\nc { }\n",
    // Comments and strings across lines, cuts, an escape, CRLF.
    "a { p = x#cut\n; }\r\n/* b {\n} */\nb { s = \"multi\nline\"; t = 'q'; }\n// c { }\nc { u = /x//y; v = a\\ b; }\n",
    // `.include` in a block and at the top (read through a sealed loader: an error).
    "a { p; }\nb { .include \"/x.conf\"; }\nc { }\n",
    "a { p; }\n.include \"/x.conf\";\nc { }\n",
    // Syntax errors in either half, an unterminated comment, an unclosed block.
    "a { p = ; }\nb { q; }\nc { r; }\n",
    "a { p; }\nb { q; }\nc { r = ; }\n",
    "a { p; }\nb { q; }\n/* c { r; }\n",
    "a { p; }\nb { q;\nc { r; }\n",
    "a { p; }\n}\nb { q; }\n",
    // Names of other shapes, non-ASCII text, empty statements.
    "\"q n\" { p = \"é\"; }\n;\n'w' { $v = 1; p = \"$v\"; }\n${x} = 2;\nz { }\n",
];

#[test]
fn a_split_anywhere_parses_as_one_piece() {
    let loader = Loader::sealed();
    let mut taken = 0;
    for text in TEXTS {
        match same_at(&loader, text, 0..=text.len()) {
            Ok(n) => taken += n,
            Err(e) => panic!("{e}"),
        }
    }
    // Most offsets are no boundary (the first half reads past them and the second is
    // dropped); some are.
    assert!(taken > 10, "only {taken} splits taken");
}

/// A middle from `b` to `at` (then the second half from `at`) for every pair of
/// offsets of a text of `len` bytes, `b` before `at`.
fn every_middle(len: usize) -> impl Iterator<Item = Split> {
    (0..=len).flat_map(move |at| (0..at).map(move |b| Split::Three(b, at)))
}

/// The other thread, done with the second half, reads a middle before it: wherever the
/// middle starts (at a boundary, inside a block, where the first half's parser has
/// passed) and ends, the parse is the one-piece parse, errors included.
#[test]
fn a_middle_anywhere_parses_as_one_piece() {
    let loader = Loader::sealed();
    let mut middles = 0;
    for text in TEXTS {
        match same_with(&loader, text, every_middle(text.len()), 2) {
            Ok(n) => middles += n,
            Err(e) => panic!("{e}"),
        }
    }
    // Most pairs are no two boundaries; some are, and those join three parts.
    assert!(middles > 10, "only {middles} middles joined");
}

/// The fixtures and the corpus with a middle between the starts of two lines: every
/// pair of them in a file of fewer than 80 lines, pairs of 40-80 evenly spaced ones in
/// a longer file.
#[test]
fn fixtures_and_corpus_with_a_middle() {
    let loader = Loader::sealed();
    let (mut seen, mut middles) = (0, 0);
    for (f, text) in fixture_and_corpus_texts() {
        seen += 1;
        let lines: Vec<usize> = line_starts(&text).collect();
        let step = (lines.len() / 40).max(1);
        let sample: Vec<usize> = lines.iter().copied().step_by(step).collect();
        let splits = sample.iter().flat_map(|&at| {
            sample
                .iter()
                .filter(move |&&b| b < at)
                .map(move |&b| Split::Three(b, at))
        });
        match same_with(&loader, &text, splits, 2) {
            Ok(n) => middles += n,
            Err(e) => panic!("{}: {e}", f.display()),
        }
    }
    assert!(
        seen > 50 && middles > 100,
        "{seen} files, {middles} middles joined"
    );
}

/// The names of the jails `text` read with `split` holds, and how many parts were
/// joined.
fn jail_names(loader: &Loader, text: &str, split: Split) -> (Vec<String>, usize) {
    let (r, joined) = parse_split(loader, text, split);
    let parsed = r.expect("parse");
    (parsed.jails.iter().map(|j| j.name.to_string()).collect(), joined)
}

/// A file `x { p = 1; }` in `d`, to include.
fn included(d: &tempfile::TempDir) -> std::path::PathBuf {
    let inc = d.path().join("inc.conf");
    std::fs::write(&inc, "x { p = 1; }\n").expect("write");
    inc
}

/// An `.include` that is read, in the second half: the first half's parser reads it
/// (the second gives up), so the sources stay in the order jail(8) reads them.
#[test]
fn an_include_in_the_second_half_is_read_in_order() {
    let d = tempfile::tempdir().expect("tempdir");
    let inc = included(&d);
    let text = format!("a {{ p; }}\nb {{ .include \"{}\"; }}\nc {{ }}\n", inc.display());
    let loader = Loader::new(None);
    let at = text.find("b {").expect("b");
    if let Err(e) = same_at(&loader, &text, 0..=text.len()) {
        panic!("{e}");
    }
    let (names, joined) = jail_names(&loader, &text, Split::At(at));
    assert_eq!(names, ["a", "b", "b.x", "c"]);
    assert_eq!(joined, 0, "the second half read an include");
}

/// An `.include` that is read, at the top of the second half: the second half gives
/// up, so the other thread reads no middle, and the first half's parser, stopped at
/// where the middle was to start, reads on alone, for every middle.
#[test]
fn an_include_after_a_middle_is_read_once_in_order() {
    let d = tempfile::tempdir().expect("tempdir");
    let inc = included(&d);
    let text = format!(
        "a {{ p; }}\nb {{ q; }}\n.include \"{}\";\nc {{ }}\n",
        inc.display()
    );
    let loader = Loader::new(None);
    if let Err(e) = same_with(&loader, &text, every_middle(text.len()), 2) {
        panic!("{e}");
    }
    let (b, at) = (
        text.find("b {").expect("b"),
        text.find(".include").expect("include"),
    );
    let (names, joined) = jail_names(&loader, &text, Split::Three(b, at));
    assert_eq!(names, ["a", "b", "x", "c"]);
    assert_eq!(joined, 0, "the second half read an include");
}

/// A large file is split where `split_point` guesses, and the halves are joined.
#[test]
fn a_large_file_is_read_in_two_halves() {
    let mut text = String::from("* {\n\tpath = \"/jails/$name\";\n}\n\n");
    for i in 0..12_000 {
        text += &format!(
            "web{i} {{\n\t$id = {i};\n\thost.hostname = \"web{i}.example.org\";\n\tip4.addr = \"lo1|10.0.0.${{id}}\";\n\tx = a#cut\n;\n\tpersist;\n}}\n\n"
        );
    }
    assert!(text.len() > 1 << 20);
    let at = split_point(text.as_bytes()).expect("a boundary");
    assert!(
        text[..at].ends_with("}\n\n") && text[at..].starts_with("web"),
        "{at}"
    );
    let loader = Loader::sealed();
    let (halves, joined) = parse_split(&loader, &text, Split::Auto);
    assert!(joined > 0 || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2);
    assert_eq!(dump(&halves), dump(&parse_split(&loader, &text, Split::Never).0));
    // Every block is in the one file read, though the second half's blocks point at a
    // twin of its source (the code that asks whether a block is in a given file uses
    // `Source::same`).
    let parsed = halves.expect("parse");
    let main = &parsed.sources[0];
    let blocks: Vec<&BlockSpan> = parsed.jails.iter().filter_map(|j| j.block.as_ref()).collect();
    assert!(blocks.iter().all(|b| b.source.same(main)));
    assert!(joined == 0 || blocks.iter().any(|b| !Arc::ptr_eq(&b.source, main)));
}

/// A large file whose second half is short: its thread is done long before the first
/// half's, and takes a middle (unless it is not scheduled in time, when a test run
/// starves it: the count of middles is not asserted). However the threads meet, the
/// parse is the one-piece parse.
#[test]
fn a_middle_taken_as_the_threads_meet_parses_as_one_piece() {
    let mut text = String::from("* {\n\tpath = \"/jails/$name\";\n}\n\n");
    for i in 0..12_000 {
        // Blocks of different sizes: a middle's start is guessed, then proved.
        let extra = "\tx = a#cut\n;\n".repeat(i % 4);
        text += &format!(
            "web{i} {{\n\t$id = {i};\n\tip4.addr = \"lo1|10.0.0.${{id}}\";\n{extra}\tpersist;\n}}\n\n"
        );
    }
    let at = text.len() - text.len() / 10;
    let at = at + text[at..].find("\nweb").expect("a block") + 1;
    let loader = Loader::sealed();
    let whole = dump(&parse_split(&loader, &text, Split::Never).0);
    let mut middles = 0;
    for _ in 0..4 {
        let (r, joined) = parse_split(&loader, &text, Split::Moving(at));
        assert_eq!(dump(&r), whole);
        middles += usize::from(joined == 2);
    }
    eprintln!("{middles} of 4 runs took a middle");
}

/// The fixtures and the corpus, split at the start of every line.
#[test]
fn fixtures_and_corpus_split_at_every_line() {
    let loader = Loader::sealed();
    let (mut seen, mut taken) = (0, 0);
    for (f, text) in fixture_and_corpus_texts() {
        seen += 1;
        match same_at(&loader, &text, line_starts(&text)) {
            Ok(n) => taken += n,
            Err(e) => panic!("{}: {e}", f.display()),
        }
    }
    assert!(seen > 50 && taken > 100, "{seen} files, {taken} splits taken");
}

mod prop {
    use super::super::tests::prop::conf;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// Statement-shaped input split at a random offset.
        #[test]
        fn split_statements_parse_as_one_piece(text in conf(), at in 0usize..2000) {
            let at = (at % (text.len() + 1)).min(text.len());
            if let Err(e) = same_at(&Loader::sealed(), &text, std::iter::once(at)) {
                prop_assert!(false, "{}", e);
            }
        }
    }
}

/// A file read in halves (two statement lists) and then another file: the later
/// file's records keep their own statements and file (`Parsed::append` puts its lists
/// after both halves' lists and shifts its records' indices past them).
#[test]
fn a_later_file_after_a_split_one_keeps_its_statements() {
    let loader = Loader::sealed();
    let text = "a1 {\n\tx = 1;\n}\n\na2 {\n\ty = 2;\n}\n";
    let at = text.find("a2").expect("a2");
    let (first, joined) = parse_split(&loader, text, Split::At(at));
    assert_eq!(joined, 1, "split at {at}");
    let mut all = first.expect("parse");
    let later = parse_source(&loader, Source::new("b.conf", "b1 {\n\tz = 3;\n}\n"), false).expect("parse");
    let shift = u32::try_from(all.sources.len()).expect("files");
    all.append(later, shift);
    let got: Vec<(String, Vec<String>)> = all
        .jails
        .iter()
        .map(|j| {
            let params = all.params(j).iter().map(|p| {
                let file = all.loc_of(p).map(|l| l.file().to_owned()).unwrap_or_default();
                format!("{} {file}", p.name)
            });
            (j.name.to_string(), params.collect())
        })
        .collect();
    let want = [("a1", "x t.conf"), ("a2", "y t.conf"), ("b1", "z b.conf")]
        .map(|(j, p)| (j.to_owned(), vec![p.to_owned()]));
    assert_eq!(got, want);
}
