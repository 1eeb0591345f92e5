//! The fast statement path against the token path (property tests, the fixtures and
//! the corpus), and `Text`'s lengths and static names.

use super::text::known_name;
use super::*;

/// `parse_source`, with or without the fast statement path.
fn parse_with(text: &str, fast: bool) -> Result<Parsed, Diag> {
    let loader = Loader::sealed();
    let mut p = Parser::new(&loader, fast);
    p.parse_config(Source::new("t.conf", text), false)?;
    Ok(p.out)
}

/// Everything a parse holds, texts with how they are kept (span or own bytes).
pub(super) fn dump(r: &Result<Parsed, Diag>) -> String {
    fn t(x: &Text) -> String {
        x.describe()
    }
    let p = match r {
        Ok(p) => p,
        Err(e) => return format!("error {e} {:?}", e.notes),
    };
    let mut out = String::new();
    for j in &p.jails {
        let b = j.block.as_ref().map(|b| (b.header, b.open, b.close, b.line));
        out += &format!(
            "jail {} {b:?} {:?} {:?} wild={}\n",
            t(&j.name),
            j.parent,
            j.marked,
            j.wild()
        );
        for q in p.params(j) {
            out += &format!(
                "  {} var={} {:?} {}..{} marked={} src={}\n",
                t(&q.name),
                q.is_var,
                q.op,
                q.start,
                q.end,
                q.marked,
                p.source_of(q).map_or("(none)", |s| s.name.as_str())
            );
            for v in &q.values {
                out += &format!("    {} @{}\n", t(&v.text), v.start);
                for r in p.vars_of(j, v) {
                    out += &format!("      ${} pos={} at={}\n", t(&r.name), r.pos, r.at);
                }
            }
        }
    }
    for w in &p.warnings {
        out += &format!("warning {w}\n");
    }
    for c in &p.cuts {
        out += &format!("cut {} {}\n", c.loc.offset, c.opener);
    }
    out += &format!("depends {}\n", p.depends);
    out += &format!("mounts {}\n", p.mounts);
    out += &format!("dotted {}\n", p.dotted);
    out
}

/// The lines the parser counts for block headers are the line index's.
pub(super) fn block_lines_counted(text: &str, parsed: &Result<Parsed, Diag>) -> Result<(), String> {
    for b in parsed
        .iter()
        .flat_map(|p| &p.jails)
        .filter_map(|j| j.block.as_ref())
    {
        if b.line != b.source.line(b.header) {
            return Err(format!(
                "text {text:?}: block at {} on line {}, counted {}",
                b.header,
                b.source.line(b.header),
                b.line
            ));
        }
    }
    Ok(())
}

/// The parse's lists of variable references hold the references of its values and
/// nothing else: a statement the fast path began and then left to the token path
/// (`fast_item`) took back those it had added.
fn refs_are_all_reachable(text: &str, p: &Parsed) -> Result<(), String> {
    let reachable: usize = p
        .jails
        .iter()
        .flat_map(|j| p.params(j))
        .flat_map(|q| &q.values)
        .map(|v| v.vars.len())
        .sum();
    let held: usize = p.var_lists.iter().map(Vec::len).sum();
    if reachable == held {
        Ok(())
    } else {
        Err(format!(
            "text {text:?}: {held} variable references held, {reachable} in values"
        ))
    }
}

fn same_both_ways(text: &str) -> Result<(), String> {
    let parsed = parse_with(text, true);
    block_lines_counted(text, &parsed)?;
    // `depends` and `mounts` are what walking every statement with config.c's
    // equalopts() finds.
    if let Ok(p) = &parsed {
        for (noted, name) in [(p.depends, "depend"), (p.mounts, "mount")] {
            let walked = p
                .jails
                .iter()
                .flat_map(|j| p.params(j))
                .any(|q| !q.is_var && crate::model::equalopts(&q.name, name));
            if noted != walked {
                return Err(format!(
                    "text {text:?}: {name} noted {noted} but a walk finds {walked}"
                ));
            }
        }
        // `dotted` is what a walk of the block names finds.
        let walked = p.jails.iter().any(|j| j.block.is_some() && j.name.contains('.'));
        if p.dotted != walked {
            return Err(format!(
                "text {text:?}: dotted noted {} but a walk finds {walked}",
                p.dotted
            ));
        }
        refs_are_all_reachable(text, p)?;
    }
    let (fast, slow) = (dump(&parsed), dump(&parse_with(text, false)));
    if fast == slow {
        Ok(())
    } else {
        Err(format!("text {text:?}\n--- fast\n{fast}--- token path\n{slow}"))
    }
}

pub(super) mod prop {
    use super::same_both_ways;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        const FIXED: &[&str] = &[
            " ",
            "\n",
            "\"",
            "'",
            "$",
            "${",
            "}",
            "{",
            "\\",
            "/",
            "*",
            "+",
            "=",
            ";",
            ",",
            "#",
            "\r",
            "\0",
            "é",
            "\\x4",
            "\u{1}",
            "a = ",
            "; ",
            "x {",
            "$v",
            "\"a$b c\"",
            "\"${v}/x\"",
            "/* c */",
            "// c\n",
            "# jailvol\n",
            "+=",
            ".include",
            "'q w'",
        ];
        prop_oneof![
            3 => "[a-z.]{1,4}",
            10 => proptest::sample::select(FIXED).prop_map(str::to_owned),
        ]
    }

    /// Blanks and comments between tokens; "" glues the pieces around it.
    fn sep() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(&[" ", "", "", "\n\t", " # c\n", "/* c */", " // c\n", "\r\n"][..])
    }

    /// A piece of a value (or a name).
    fn value_piece() -> impl Strategy<Value = String> {
        const FIXED: &[&str] = &[
            "/",
            "*",
            "+",
            "$v",
            "${v}",
            "${a b}",
            "$",
            "$1",
            "\"\"",
            "''",
            "\"a $v b\"",
            "\"$v\"",
            "\"${v}/x\"",
            "\"x$\"",
            "\"$ $\"",
            "'a $v'",
            "\"a\\\"b\"",
            "\\n",
            "\\\"",
            "\"é ü\"",
            "${",
            "\"${v\"",
            "\"a\nb\"",
            "'a\nb'",
            "#",
            "=",
            "{",
            "}",
        ];
        prop_oneof![
            4 => "[a-z0-9_.:-]{1,6}",
            6 => proptest::sample::select(FIXED).prop_map(str::to_owned),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        proptest::collection::vec((value_piece(), prop_oneof![4 => Just(""), 1 => sep()]), 1..4)
            .prop_map(|v| v.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
    }

    fn statement() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            6 => "[a-z][a-z.]{0,8}",
            1 => Just("$v".to_owned()),
            1 => Just("${v}".to_owned()),
            1 => Just("\"q n\"".to_owned()),
            1 => Just("'s'".to_owned()),
            1 => Just(".include".to_owned()),
            1 => value_piece(),
        ];
        let op = proptest::sample::select(&["", " = ", "=", " += ", "+=", " ", "\t"][..]);
        (
            name,
            op,
            proptest::collection::vec(value(), 0..3),
            sep(),
            sep(),
            any::<bool>(),
        )
            .prop_map(|(name, op, values, s1, s2, mark)| {
                let vals = values.join(&format!(",{s2}"));
                let vals = if op.is_empty() { String::new() } else { vals };
                let mark = if mark { " # jailvol" } else { "" };
                format!("{name}{op}{vals}{s1};{mark}\n")
            })
    }

    pub(in crate::parse::jailconf) fn conf() -> impl Strategy<Value = String> {
        let item = prop_oneof![
            8 => statement(),
            1 => "[a-z*.]{1,4}".prop_map(|n| format!("{n} {{\n")),
            1 => proptest::sample::select(&["\"q n\" {", "'s'{", "w#c\n{", "\"$v\" {", "w/* c */{", "\"\" {\n"][..])
                .prop_map(str::to_owned),
            1 => Just("}\n".to_owned()),
            1 => piece(),
        ];
        proptest::collection::vec(item, 0..16).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// The fast statement path gives exactly the parse of the token path: the
        /// same records, statements, texts (spans where the token path keeps spans),
        /// warnings, cuts and errors.
        #[test]
        fn fast_statements_parse_as_the_token_path(
            text in proptest::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
        ) {
            if let Err(e) = same_both_ways(&text) {
                prop_assert!(false, "{}", e);
            }
        }

        /// The same on statements of every shape the fast path reads or declines.
        #[test]
        fn fast_statements_on_statement_shaped_input(text in conf()) {
            if let Err(e) = same_both_ways(&text) {
                prop_assert!(false, "{}", e);
            }
        }
    }
}

/// Where a jail.conf may be in the fixtures' cases, and the corpus's jail.conf files
/// (the callers count how many they could read).
pub(crate) fn fixture_and_corpus_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["fixtures/jailconf", "fixtures/generate", "fixtures/check"] {
        for e in std::fs::read_dir(root.join(dir)).into_iter().flatten().flatten() {
            for name in ["input.conf", "jail.conf", "etc/jail.conf"] {
                files.push(e.path().join(name));
            }
        }
    }
    if let Ok(d) = std::fs::read_dir(root.join("../shared/corpus")) {
        files.extend(
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().contains("jail")),
        );
    }
    files
}

/// The same on every jail.conf of the fixtures and the corpus.
#[test]
fn fast_statements_on_the_fixtures_and_corpus() {
    let mut seen = 0;
    for f in fixture_and_corpus_files() {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        seen += 1;
        if let Err(e) = same_both_ways(&text) {
            panic!("{}: {e}", f.display());
        }
    }
    assert!(seen > 50, "only {seen} files");
}

/// Statements the fast path reads a value or two of, with references, and then leaves
/// to the token path (an escape in a later value): the references it added are taken
/// back, and the token path's are the ones the values point at.
#[test]
fn a_declined_statement_leaves_no_references() {
    for text in [
        "a = \"$x\", \"b\\c\";\n",
        "j { a = $x, \"${y}z\", w\\v; b = \"$q\"; }\n",
        "$v = 1;\nj { p = \"/j/$v\"\"$v\\n\"; }\nk { p = \"/k/$v\"; }\n",
    ] {
        same_both_ways(text).expect("both ways");
        let p = parse_with(text, true).expect("parses");
        let refs: Vec<String> = p
            .jails
            .iter()
            .flat_map(|j| {
                p.params(j)
                    .iter()
                    .flat_map(move |q| &q.values)
                    .map(move |v| (j, v))
            })
            .flat_map(|(j, v)| p.vars_of(j, v))
            .map(|r| r.name.to_string())
            .collect();
        assert!(!refs.is_empty(), "{text:?}");
        assert_eq!(
            p.var_lists.iter().map(Vec::len).sum::<usize>(),
            refs.len(),
            "{text:?}"
        );
    }
}

/// Every name jail(8) knows is kept as static text, and nothing else: the known
/// names are compared whole.
#[test]
fn known_names_are_jails_parameters() {
    for (n, _) in crate::model::INTPARAMS {
        assert_eq!(known_name(n.as_bytes()), Some(*n));
    }
    for n in ["pat", "paths", "Path", "exec.star", "", "name.", "$name"] {
        assert_eq!(known_name(n.as_bytes()), None, "{n}");
    }
}

/// `Text::len` answers from the span's ends; it must agree with the text, for
/// spans, owned text (after substitution) and static names alike, and equality
/// built on it must still compare the bytes.
#[test]
fn text_len_is_the_length_of_the_text() {
    let conf = "$v = \"x y\";\nj { path = \"/j/$v\"; ip4.addr = 10.0.0.1; allow.raw_sockets; }\n\"é\" { a = 'ü'; }\n";
    let parsed = parse_source(
        &crate::parse::loader::Loader::sealed(),
        Source::new("t.conf", conf),
        false,
    )
    .expect("parse");
    let mut seen = 0;
    for rec in &parsed.jails {
        assert_eq!(rec.name.len(), rec.name.as_str().len());
        for p in parsed.params(rec) {
            assert_eq!(p.name.len(), p.name.as_str().len(), "{:?}", p.name);
            assert_eq!(p.name.is_empty(), p.name.as_str().is_empty());
            seen += 1;
        }
    }
    assert!(seen >= 5);
    for t in [Text::from("abc"), Text::from_static("name"), Text::from("")] {
        assert_eq!(t.len(), t.as_str().len());
    }
    let (a, b) = (Text::from("path"), Text::from("pat"));
    assert!(a != b && a == "path" && a != "pat" && b != "path" && a == Text::from_static("path"));
    let owned = String::from("patH");
    assert!(a != *"patH" && a != owned);
}

/// Nesting is a loop, not a recursion: the deepest file jail(8) accepts (3,332 levels,
/// its yacc stack) parses in a thread whose stack a frame per level would overflow,
/// the same both ways; one level more is jail(8)'s error at the `{`.
#[test]
fn deep_nesting_needs_no_stack() {
    let deep = |n: usize, statement: &str| format!("{}{statement}\n{}", "a {\n".repeat(n), "}\n".repeat(n));
    let run = std::thread::Builder::new()
        .stack_size(128 << 10)
        .spawn(move || {
            same_both_ways(&deep(3332, "p;"))?;
            let p = parse_with(&deep(3332, "p;"), true).map_err(|e| e.to_string())?;
            let last = p.jails.last().map(|j| j.name.as_str().len());
            if p.jails.len() != 3332 || last != Some(2 * 3332 - 1) {
                return Err(format!("{} jails, last name {last:?} long", p.jails.len()));
            }
            same_both_ways(&deep(3333, "p;"))?;
            match parse_with(&deep(3333, "p;"), true) {
                Err(e)
                    if e.to_string()
                        == "t.conf:3333:3: yacc stack overflow: blocks nested 3333 deep in one file" =>
                {
                    Ok(())
                }
                r => Err(format!("3333 levels: {}", dump(&r))),
            }
        })
        .expect("spawn");
    match run.join() {
        Ok(r) => r.expect("deep nesting"),
        Err(_) => panic!("deep nesting overflowed a 128 KiB stack"),
    }
}

/// In the deepest blocks a statement can overflow jail(8)'s yacc stack: `name`, `=`,
/// each value and each `,` take an entry (`yacc_statement_overflow`), and the token
/// that does not fit is the error.
#[test]
fn statements_in_the_deepest_blocks_fill_the_yacc_stack() {
    let deep = |n: usize, statement: &str| format!("{}{statement}\n{}", "a {\n".repeat(n), "}\n".repeat(n));
    // `value ',' string` is left-recursive: a long list takes no more room than two.
    let long = format!("p = {};", vec!["v"; 20_000].join(", "));
    for (n, statement, error) in [
        (3332, "p;", None),
        (3332, "p x;", None),
        (3332, "p = x;", Some("3333:5")),
        (3332, "p x, y;", Some("3333:6")),
        (3331, "p = x, y;", None),
        (3331, "p += x, y, z;", None),
        (3331, long.as_str(), None),
        (3330, "p = 1, 2, 3;", None),
    ] {
        let text = deep(n, statement);
        if same_both_ways(&text).is_err() {
            panic!("{n} {statement:.20}: the fast path differs from the token path");
        }
        match (parse_with(&text, true), error) {
            (Ok(_), None) => {}
            (Err(e), Some(at)) => assert!(
                e.to_string()
                    .starts_with(&format!("t.conf:{at}: yacc stack overflow: statement \"p\"")),
                "{n} {statement:.20}: {e}"
            ),
            (Ok(_), Some(_)) => panic!("{n} {statement:.20}: parsed"),
            (Err(e), None) => panic!("{n} {statement:.20}: {e}"),
        }
    }
}

/// Through `.include`s jail(8) would nest without end (each file has its own yacc
/// stack); jailvol stops at `MAX_BLOCK_DEPTH` (lowered here) across the files.
#[test]
fn nesting_across_includes_stops_at_the_depth_limit() {
    let d = tempfile::tempdir().expect("tempdir");
    let inner = d.path().join("inner.conf");
    std::fs::write(&inner, "b { c { p; } }\n").expect("write");
    let text = format!("a {{ x {{ .include \"{}\"; }} }}\n", inner.display());
    let loader = Loader::new(None);
    for (max, ok) in [(4, true), (3, false)] {
        let mut p = Parser::new(&loader, true);
        p.max_block_depth = max;
        let r = p.parse_config(Source::new("t.conf", &text), false);
        match (r, ok) {
            (Ok(()), true) => assert_eq!(p.out.jails.last().map(|j| j.name.as_str()), Some("a.x.b.c")),
            (Err(e), false) => assert!(
                e.to_string()
                    .contains("blocks nested more than 3 deep across included files"),
                "{e}"
            ),
            (r, _) => panic!("max {max}: {r:?}"),
        }
    }
}

/// An unquoted `\` escapes one byte, as flex's `.` matches one: the rest of a
/// multi-byte character is a raw token (a syntax error), in both scanners and both
/// statement paths; inside quotes the character is kept whole.
#[test]
fn an_unquoted_backslash_escapes_one_byte_of_a_character() {
    for (text, at) in [
        ("a { p = x\\é; }\n", "1:11"),
        ("a { p = \\€; }\n", "1:10"),
        ("\\é { }\n", "1:2"),
        // `$v` and the glued `\é` piece (VAR STR1) are already an error, as in jail(8).
        ("a {\n\t$v\\é = 1;\n}\n", "2:4"),
    ] {
        let tokens = lexer::debug_tokens(text, false);
        assert_eq!(tokens, lexer::debug_tokens(text, true), "{text:?}");
        let backslash = text.find('\\').expect("a backslash");
        let other = format!("Other@{}=", backslash + 2);
        assert!(
            tokens.iter().any(|t| t.starts_with(&other)),
            "{text:?}: {tokens:?}"
        );
        same_both_ways(text).expect("both ways");
        match parse_with(text, true) {
            Err(e) => assert!(
                e.to_string().starts_with(&format!("t.conf:{at}: syntax error")),
                "{text:?}: {e}"
            ),
            Ok(_) => panic!("{text:?} parsed"),
        }
    }
    let text = "a { p = \"x\\é\", 'y\\é', \"$v\\€\"; $v = z; }\n";
    same_both_ways(text).expect("both ways");
    let p = parse_with(text, true).expect("quoted");
    let values: Vec<&str> = p.params(&p.jails[0])[0]
        .values
        .iter()
        .map(|v| v.text.as_str())
        .collect();
    assert_eq!(values, ["xé", "yé", "€"]);
}

/// The statement layouts a large jail.conf is made of, each written once per statement
/// or value: smallvec's `union` feature keeps a `SmallVec` a word smaller (session 10
/// measured 7% less time and page faults for `show` of 50,000 jails), a `Text` of
/// two words keeps each name and value 8 bytes smaller (128 and 72 bytes with three),
/// a statement's file is an index, not an `Arc` (104 bytes with one), and a value's
/// variable references are a run of a list of the parse's (96 and 56 bytes with a
/// `SmallVec` of one inline).
#[cfg(target_pointer_width = "64")]
#[test]
fn statement_layouts_stay_small() {
    let (param, string) = (std::mem::size_of::<CfParam>(), std::mem::size_of::<CfString>());
    assert!(param <= 72 && string <= 32, "CfParam {param}, CfString {string}");
}

/// Each text parses the same by both statement paths, and each path notes the flag
/// `noted` reads as `want` says.
fn noted_by_either_path(cases: &[(&str, bool)], noted: fn(&Parsed) -> bool) {
    for &(text, want) in cases {
        same_both_ways(text).expect("both ways");
        for fast in [true, false] {
            let p = parse_with(text, fast).expect("parses");
            assert_eq!(noted(&p), want, "{text:?} fast={fast}");
        }
    }
}

/// `Parsed::depends`, noted by both statement paths, as a walk of every statement with
/// equalopts() finds it.
#[test]
fn depends_is_noted_by_either_path() {
    let cases = [
        ("a { depend = b; }", true),
        ("a { nodepend; }", true),
        ("depend = b; a { }", true),
        ("a { depend = \"b\\x\"; }", true),
        ("a { depend =\n b,\n c; }", true),
        ("a { $depend = b; }", false),
        ("a { xdepend = b; nodepends; path = /depend; }", false),
        ("a { allow.nodepend; }", false),
    ];
    noted_by_either_path(&cases, |p| p.depends);
}

/// `mounts`, likewise: `mount` and `nomount`, not a variable or another name.
#[test]
fn mounts_is_noted_by_either_path() {
    let cases = [
        ("a { mount = \"/a /b nullfs ro 0 0\"; }", true),
        ("a { mount += \"/a /b nullfs ro 0 0\"; }", true),
        ("a { nomount; }", true),
        ("mount = x; a { }", true),
        ("a { $mount = b; }", false),
        (
            "a { mount.devfs; mount.fstab = /f; allow.mount; mounts = 1; }",
            false,
        ),
    ];
    noted_by_either_path(&cases, |p| p.mounts);
}

/// `dotted`: a block name with a `.`, written, escaped or made by nesting; not a
/// statement's name or value, and not the global section.
#[test]
fn dotted_is_noted_by_either_path() {
    let cases = [
        ("web.front { }", true),
        ("\"web.front\" { }", true),
        ("\"web\\.front\" { }", true),
        ("web { front { } }", true),
        ("\"web.*\" { }", true),
        ("web { path = /a.b; host.hostname = a.b; }", false),
        ("host.hostname = a.b; web { }", false),
        ("web { } db { }", false),
    ];
    noted_by_either_path(&cases, |p| p.dotted);
}

/// `CfJail::wild`, set where the record is made: the wildcard blocks, written,
/// quoted or made by nesting (`web { * { } }` is `web.*`), and the global
/// section (`*`); not a name with a `*` inside a component. Each record's flag is
/// `wild_jail_name` of its name, which every reader asked before.
#[test]
fn wild_is_noted_for_every_record() {
    let text = "host.hostname = h;\n\
                * { }\n\
                \"web.*\" { }\n\
                \"*.db\" { }\n\
                web { * { } }\n\
                \"fo*\" { }\n\
                \"a*.b\" { }\n\
                web.front { }\n";
    let want = [
        ("*", true),
        ("*", true),
        ("web.*", true),
        ("*.db", true),
        ("web", false),
        ("web.*", true),
        ("fo*", false),
        ("a*.b", false),
        ("web.front", false),
    ];
    for fast in [true, false] {
        let p = parse_with(text, fast).expect("parses");
        let got: Vec<(&str, bool)> = p.jails.iter().map(|j| (&*j.name, j.wild())).collect();
        assert_eq!(got, want, "fast={fast}");
        for j in &p.jails {
            assert_eq!(j.wild(), wild_jail_name(&j.name), "{}", &*j.name);
        }
    }
}

/// The largest text whose offsets and end the parse's 32 bits hold is read; one byte
/// more is refused (`too_large`), and `offset` saturates rather than wraps.
#[cfg(target_pointer_width = "64")]
#[test]
fn offsets_reach_4_gib_and_no_further() {
    let max = u32::MAX as usize;
    assert!(offsets_reach(max));
    assert!(!offsets_reach(max + 1));
    assert_eq!(offset(max), u32::MAX);
    assert_eq!(offset(max + 1), u32::MAX);
    assert_eq!(offset(17), 17);
}

/// Each record's statements are its own, in file order, whatever comes between them:
/// blocks inside blocks (the parent's statements before and after the child), the
/// global pseudo-jail's statements spread over the file and over a file included at
/// the top level (which must not end the global record early), and a block's
/// statements from an included file. All go into one list (`Stmts`), so a run that took another
/// record's statements or lost its own would show here; `marked` counts within the run.
#[test]
fn statements_stay_with_their_records() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("inc.conf"), "i1; n { i2; }\ni3;\n").expect("write");
    std::fs::write(d.path().join("top.conf"), "tg1;\nt { t1; u { u1; } t2; }\ntg2;\n").expect("write");
    let text = "g1;\na { a1; b { b1; c { c1; } b2; # jailvol\n } a2; # jailvol\n}\ng2; # jailvol\n\
                d { d1; .include \"/inc.conf\"; d2; }\ne { }\n.include \"/top.conf\";\ng3;\n\
                f { f1; f2; # jailvol\n}\n";
    let loader = Loader::new(Some(d.path().to_path_buf()));
    let want = [
        ("*", vec!["g1", "g2", "tg1", "tg2", "g3"], vec![1]),
        ("a", vec!["a1", "a2"], vec![1]),
        ("a.b", vec!["b1", "b2"], vec![1]),
        ("a.b.c", vec!["c1"], vec![]),
        ("d", vec!["d1", "i1", "i3", "d2"], vec![]),
        ("d.n", vec!["i2"], vec![]),
        ("e", vec![], vec![]),
        ("f", vec!["f1", "f2"], vec![1]),
        ("t", vec!["t1", "t2"], vec![]),
        ("t.u", vec!["u1"], vec![]),
    ];
    for fast in [true, false] {
        let mut p = Parser::new(&loader, fast);
        p.parse_config(Source::new("/t.conf", text), false)
            .expect("parse");
        let parsed = p.out;
        let mut got: Vec<(&str, Vec<&str>, Vec<u32>)> = parsed
            .jails
            .iter()
            .map(|j| {
                let names = parsed.params(j).iter().map(|q| q.name.as_str()).collect();
                (j.name.as_str(), names, j.marked.to_vec())
            })
            .collect();
        got.sort_by_key(|g| g.0);
        assert_eq!(got, want, "fast path {fast}");
        let marked: Vec<&str> = parsed
            .jails
            .iter()
            .flat_map(|j| parsed.marked_params(j))
            .map(|q| q.name.as_str())
            .collect();
        assert_eq!(marked, ["g2", "a2", "b2", "f2"], "fast path {fast}");
    }
}
