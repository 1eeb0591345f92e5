//! Unit tests of the reader: evaluation, and the lexers checked against each other and
//! against the grammar before issue 8 (`v1`).

mod v1;

use std::sync::Arc;

use pest::Parser;

use super::eval::Eval;
use super::fast::fast_line;
use super::lex::{Lexer, MAX_DEPTH, Rule, check_nesting, lex_with, part};
use super::token::{Part, Tok, Word};
use super::{RcOptions, RcVars, evaluate};
use crate::diag::{Diag, Source};

fn eval(text: &str) -> Result<RcVars, Diag> {
    let src = Source::new("rc.conf", text);
    evaluate(&[src], &RcOptions::default()).map(|(v, _)| v)
}

fn val(text: &str, name: &str) -> String {
    match eval(text) {
        Ok(v) => v.get(name).unwrap_or("<unset>").to_owned(),
        Err(e) => format!("ERR {e}"),
    }
}

fn err(text: &str) -> String {
    match eval(text) {
        Ok(_) => "OK".to_owned(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn quoting() {
    assert_eq!(val(r#"x="a\qb\$c\\d""#, "x"), r"a\qb$c\d");
    assert_eq!(val(r"x='a\b'", "x"), r"a\b");
    assert_eq!(val(r"x=a\ b\$", "x"), "a b$");
    assert_eq!(val("x=\"a\nb\"", "x"), "a\nb");
    assert_eq!(val("x=a\\\nb", "x"), "ab");
    assert_eq!(val("x='a\\\nb'", "x"), "a\\\nb");
    assert_eq!(val("x=*", "x"), "*");
    assert_eq!(val("x=a#b y=2 #c", "x"), "a#b");
    assert_eq!(val("x=$ y=a$ z=\"$\"", "x"), "$");
}

#[test]
fn expansions() {
    assert_eq!(val("b=1; x=$b b=2 y=$b", "y"), "2");
    assert_eq!(val("b=1; x=$b b=2 y=$b", "x"), "1");
    assert_eq!(val("x=${u=5} y=$u", "y"), "5");
    assert_eq!(val("x=${u:-'a b'}", "x"), "a b");
    assert_eq!(val("x=\"${u:-'a b'}\"", "x"), "'a b'");
    assert_eq!(val("x=\"${u:-'}'}\"", "x"), "''}");
    assert_eq!(val("x=\"${u:-\\}}\"", "x"), "}");
    assert_eq!(val("x=\"${u:-\\'}\"", "x"), "\\'");
    assert_eq!(val("x=\"${u:-\"}\"}\"", "x"), "}");
    assert_eq!(val("v=1; x=${v:+a}${u+b}${v+c}", "x"), "ac");
    assert_eq!(val("u=; x=${u-d}${u:-e}", "x"), "e");
    assert_eq!(val("x=${u:=5}/$u", "x"), "5/5");
}

/// A name assigned again keeps the place of its first assignment and takes the last
/// value; a name too long to be held inline is found too.
#[test]
fn assignments_keep_the_first_place_and_the_last_value() {
    let v = match eval("a=1 b=2; c=3; a=4; b=5; a=6\nlong_name_of_more_than_24_bytes_x=7\n") {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    let order: Vec<(&str, &str)> = v
        .vars
        .iter()
        .map(|(k, r)| (k.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("a", "6"),
            ("b", "5"),
            ("c", "3"),
            ("long_name_of_more_than_24_bytes_x", "7")
        ]
    );
    assert_eq!(v.get("long_name_of_more_than_24_bytes_x"), Some("7"));
}

#[test]
fn unsupported_is_an_error_where_it_opens() {
    assert_eq!(
        err("a=1\nx=$(hostname)"),
        "rc.conf:2:3: command substitution is not supported"
    );
    assert_eq!(err("x=\"abc"), "rc.conf:1:3: unterminated double quote");
    assert_eq!(err("x=${#y}"), "rc.conf:1:3: `${#...}` (length) is not supported");
    assert!(err("echo hi").starts_with("rc.conf:1:1: command `echo`"));
    assert!(err("x=~/a").contains("tilde"));
    assert!(err("x=$1").contains("special parameter"));
    assert!(err("x=$PATH").contains("environment"));
    assert!(err("if true; then x=1; fi").starts_with("rc.conf:1:1: `if`"));
    assert!(err("; x=1").contains("`;` unexpected"));
}

#[test]
fn skip_taints() {
    let src = Source::new("rc.conf", "a=1\nif x; then\n b=2\nfi\nc=$a\nd=$b\n");
    let opts = RcOptions {
        skip_unsupported: true,
    };
    let e = evaluate(std::slice::from_ref(&src), &opts)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("rc.conf:6:3: the value of `b` is unknown: a skipped statement may set it")
    );
    let src = Source::new("rc.conf", "a=1\nif x; then\n b=2\nfi\nc=$a\n");
    let (v, w) = evaluate(&[src], &opts).unwrap_or_default();
    assert_eq!(v.get("c"), Some("1"));
    assert_eq!(w.len(), 1);
}

/// After a skipped `eval` (it may set any variable) every name assigned before it is
/// unknown, the last one assigned just before it too (it was read as known).
#[test]
fn global_taint_covers_the_last_assignment_before_it() {
    let opts = RcOptions {
        skip_unsupported: true,
    };
    for text in ["a=1\neval x\nb=$a\n", "a=1\nc=2\neval x\nb=$a\n"] {
        let src = Source::new("rc.conf", text);
        let e = evaluate(&[src], &opts).err().map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(
                |e| e.ends_with("the value of `a` is unknown: a skipped statement may set any variable")
            ),
            "{text:?}: {e:?}"
        );
    }
    let src = Source::new("rc.conf", "eval x\na=1\nb=$a\neval y\na=2\nc=$a\n");
    let (v, _) = evaluate(&[src], &opts).unwrap_or_default();
    assert_eq!((v.get("b"), v.get("c")), (Some("1"), Some("2")));
}

/// The grammar alone, on the whole file at once: the reference for the fast path
/// and the line windows of `lex`.
fn lex_whole(src: &Arc<Source>) -> Result<Vec<Tok<'_>>, Diag> {
    check_nesting(src)?;
    let pairs = Lexer::parse(Rule::file, &src.text).map_err(|_| Diag::at(src, 0, "syntax error"))?;
    let mut toks = Vec::new();
    for p in pairs {
        let start = p.as_span().start();
        match p.as_rule() {
            Rule::newline => toks.push(Tok::Newline),
            Rule::op => toks.push(Tok::Op(start, p.as_str())),
            Rule::heredoc => toks.push(Tok::Heredoc(start)),
            Rule::word => {
                let end = p.as_span().end();
                let mut parts = Vec::new();
                for q in p.into_inner() {
                    part(q, 0, &mut parts, false, 0);
                }
                toks.push(Tok::Word(Word { start, end, parts }));
            }
            _ => {}
        }
    }
    Ok(toks)
}

/// `Eval::run` (line by line while lines are simple) or `run_whole` (lex, then run)
/// of `text`, as text: the variables and warnings, or the error.
fn run_as(text: &str, whole: bool, skip: bool) -> String {
    let src = Source::new("rc.conf", text);
    let opts = RcOptions {
        skip_unsupported: skip,
    };
    let mut ev = Eval::new(&opts);
    let r = if whole { ev.run_whole(&src) } else { ev.run(&src) };
    match r {
        Err(e) => format!("error {}", e.render()),
        Ok(()) => {
            let (vars, warnings) = ev.finish();
            let mut out = String::new();
            for (k, v) in &vars.vars {
                out += &format!("{k}={:?} @{}\n", v.value, v.loc.offset);
            }
            for w in warnings {
                out += &w.render();
            }
            out
        }
    }
}

use proptest::strategy::Strategy as _;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]

    /// Running line by line gives what lexing the whole file first gives: the same
    /// variables and warnings, and the same error (a syntax error later in the file
    /// before an error of evaluation earlier).
    #[test]
    fn line_by_line_is_lexing_whole(lines in proptest::collection::vec(
        proptest::prop_oneof![
            6 => proptest::sample::select(&[
                "a=1", "b=\"$a x\"", "c=$HOME", "d=\"open", "e=${a:-x}", "if x; then", "fi",
                ". /etc/x", "f=$(cmd)", "# c", "", "export g=1", "h='q'", "i=${zz=3} j=$zz",
                "k=$a$b", "l=~x", "m=1; n=2", "o=\"${a\"", "p=`x`", "q=1 cmd", "r=\"a\\\nb\"",
                "s=$((1))", "t=${#a}", "u='x", "v=$a\\", "w=\"$\"", "$ x", "y=\"\t\"",
                // simple_line's edges: the expansions it takes, tildes, comments,
                // unknown values, `${x=w}`, a second word.
                "a=${b-x}y", "a=\"${b:+x}\"", "a=${b+}", "b=", "a=${b:-~}", "a=\"${b:-~}\"",
                "a=x:~", "a='~'", "a=1 # c", "a=1#c", "a=${PATH:-x}", "a=$b$a", "  a=\"x\\\ny\" ",
                "a=${b=x}", "a=1\tb=2", "a=\"$a\"'$b'", "a=${b-x y}", "a=${b-}",
            ][..]).prop_map(str::to_owned),
            1 => fragments(),
        ], 0..10), skip in proptest::bool::ANY) {
        let text = lines.join("\n");
        proptest::prop_assert_eq!(run_as(&text, false, skip), run_as(&text, true, skip), "{:?}", text);
    }
}

fn fragments() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop::collection::vec(
        prop_oneof![
            "[ab_=\"'${}\\\n#; \t:x-]{0,6}",
            Just("a=".to_owned()),
            Just("jail_x_ip=".to_owned()),
            Just("\"$a\"".to_owned()),
            Just("${b}".to_owned()),
            Just("${b:-x}".to_owned()),
            Just("\"${b:=x y}\"".to_owned()),
            Just("${b+}".to_owned()),
            Just("\"a\\\nb\"".to_owned()),
            Just("'q w'".to_owned()),
            Just("\\\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("é".to_owned()),
            Just("$(x)".to_owned()),
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 2000, .. Default::default() })]

    /// The hand-written fast path and the line windows give exactly the tokens the
    /// grammar gives for the whole file.
    #[test]
    fn fast_path_matches_the_grammar(text in fragments()) {
        let src = Source::new("rc.conf", text.clone());
        let fast = lex_with(&src, true).map_err(|e| e.to_string());
        let slow = lex_whole(&src).map_err(|e| e.to_string());
        proptest::prop_assert_eq!(fast, slow, "{:?}", text);
    }
}

/// Lines of one assignment are run straight from the bytes (eval/simple.rs); others
/// are left to the token path untouched.
#[test]
fn simple_lines_are_run_from_the_bytes() {
    let text = "b=1\na=\"${b:-x} $b\"'q' # c\n\n# only\nc=${z+y}${b:+w} d=1\n";
    let src = Source::new("rc.conf", text);
    let opts = RcOptions::default();
    let mut ev = Eval::new(&opts);
    let mut buf = String::new();
    let mut pos = 0;
    for line in ["b=1\n", "a=\"${b:-x} $b\"'q' # c\n", "\n", "# only\n"] {
        assert_eq!(
            ev.simple_line(&src, pos, &mut buf),
            Some(pos + line.len()),
            "{line:?}"
        );
        pos += line.len();
    }
    // Two words: the token path's.
    assert_eq!(ev.simple_line(&src, pos, &mut buf), None);
    for (line, none) in [
        ("a=${b=x}\n", "assigns"),
        ("a=~\n", "tilde"),
        ("a=$HOME\n", "unknown"),
    ] {
        let src = Source::new("rc.conf", line);
        assert_eq!(ev.simple_line(&src, 0, &mut buf), None, "{none}");
    }
    let (vars, _) = ev.finish();
    assert_eq!(vars.get("a"), Some("1 1q"));
    assert_eq!(vars.get("c"), None);
}

#[test]
fn fast_path_takes_simple_lines() {
    let mut toks = Vec::new();
    let text = "a=\"x $b ${c}\" d='y' e=z # c\n";
    assert_eq!(fast_line(text, 0, &mut toks), Some(text.len()));
    assert_eq!(toks.len(), 4);
    assert_eq!(fast_line("a=${b:-x}\n", 0, &mut toks), Some(10));
    assert_eq!(fast_line("a=${b:-$x}\n", 0, &mut toks), None);
}

/// Where the committing grammar may differ from the old one (tests/v1.rs): `Ok(None)`
/// when both give the same tokens; `Ok(Some(at))` when the new grammar reports an
/// unterminated construct at `at` and the old one read the text after it again under
/// another rule and found a closer for something around it: then both agree on every
/// token before the word that holds it, and the old word holds an error too, at or
/// after `at`. Anything else is an `Err`.
fn diff_v1(text: &str) -> Result<Option<usize>, String> {
    let src = Source::new("rc.conf", text);
    if check_nesting(&src).is_err() {
        return Ok(None);
    }
    let new = lex_whole(&src).map_err(|e| format!("new grammar failed: {e}"))?;
    let old = v1::lex(text).ok_or("old grammar failed")?;
    if new == old {
        return Ok(None);
    }
    let fail = |why: &str| Err(format!("{why}\n  new: {new:?}\n  old: {old:?}"));
    let Some((Tok::Word(w), before)) = new.split_last() else {
        return fail("tokens differ");
    };
    let Some(Part::Bad {
        start: at,
        syntax: true,
        msg,
    }) = w.parts.last()
    else {
        return fail("tokens differ and the new ones do not end with a syntax error");
    };
    if !msg.starts_with("unterminated") || w.end != text.len() {
        return fail("tokens differ and the new ones do not end with an unterminated construct");
    }
    if old.len() <= before.len() || old[..before.len()] != *before {
        return fail("tokens differ before the word with the unterminated construct");
    }
    let Tok::Word(ow) = &old[before.len()] else {
        return fail("the old tokens have no word where the new ones do");
    };
    fn bad_from(parts: &[Part<'_>], at: usize) -> bool {
        parts.iter().any(|p| match p {
            Part::Bad { start, .. } => *start >= at,
            Part::Op { word, .. } => bad_from(word, at),
            _ => false,
        })
    }
    if ow.start != w.start || !bad_from(&ow.parts, *at) {
        return fail("the old word does not hold an error at or after the unterminated construct");
    }
    Ok(Some(*at))
}

fn openers() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop::collection::vec(
        prop_oneof![
            "[a_=\"'`${}()\\\n#; :x-]{0,4}",
            Just("x=".to_owned()),
            Just("${a-".to_owned()),
            Just("${a:=".to_owned()),
            Just("${#".to_owned()),
            Just("${a%".to_owned()),
            Just("${".to_owned()),
            Just("$(".to_owned()),
            Just("$((".to_owned()),
            Just("))".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("`".to_owned()),
            Just("}".to_owned()),
            Just(")".to_owned()),
            Just("\\".to_owned()),
            Just("\\\n".to_owned()),
            Just("$a".to_owned()),
        ],
        0..10,
    )
    .prop_map(|v| v.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 3000, .. Default::default() })]

    /// The committing grammar gives the old grammar's tokens, except after an
    /// unterminated construct that the old one read again (see `diff_v1`).
    #[test]
    fn same_tokens_as_the_old_grammar(text in openers()) {
        if let Err(e) = diff_v1(&text) {
            proptest::prop_assert!(false, "{:?}: {}", text, e);
        }
    }
}

/// Every fixture gives exactly the old grammar's tokens, but the two added to show
/// where they differ.
#[test]
fn fixtures_give_the_old_grammars_tokens() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf");
    let differ = [
        "err_unterminated_quote_in_cmdsub",
        "err_unterminated_quote_in_expansion",
    ];
    let mut n = 0;
    for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("rc.conf")) else {
            continue;
        };
        let d = diff_v1(&text);
        if differ.iter().any(|f| e.file_name() == *f) {
            assert!(matches!(d, Ok(Some(_))), "{}: {d:?}", e.path().display());
        } else {
            assert_eq!(d, Ok(None), "{}", e.path().display());
        }
        n += 1;
    }
    assert!(n >= 30, "{n} fixtures");
}

/// The old grammar read an unterminated construct's text again under another rule (a
/// `"` or `'` as a plain character, `${x-...` as some other `${...}`) and could find a
/// closer for something around it: `x=${a-"}` was a `${...}` that is not supported,
/// which `--skip-unsupported` skipped. sh (dash) reads the quote to the end of the
/// file and fails with a syntax error; the grammar now does the same.
#[test]
fn unterminated_inside_an_expansion_is_a_syntax_error() {
    for (text, now) in [
        ("x=${a-\"}", "rc.conf:1:3: unterminated `${`"),
        ("x=${a:-'}", "rc.conf:1:3: unterminated `${`"),
        ("x=${a%\"}", "rc.conf:1:3: unterminated `${`"),
        ("x=$(echo \"a)", "rc.conf:1:3: unterminated command substitution"),
        ("x=$(echo `a)", "rc.conf:1:3: unterminated command substitution"),
        ("x=\"${a-$(})\"", "rc.conf:1:3: unterminated double quote"),
    ] {
        assert_eq!(err(text), now, "{text:?}");
        assert!(matches!(diff_v1(text), Ok(Some(_))), "{text:?}");
    }
    let opts = RcOptions {
        skip_unsupported: true,
    };
    let src = Source::new("rc.conf", "x=${a-\"}\ny=1\n");
    let e = evaluate(&[src], &opts).err().map(|e| e.to_string());
    assert_eq!(e.as_deref(), Some("rc.conf:1:3: unterminated `${`"));
}

#[test]
fn arithmetic_or_command_substitution() {
    assert_eq!(
        err("x=$((1+2))"),
        "rc.conf:1:3: arithmetic expansion is not supported"
    );
    assert_eq!(
        err("x=$((a) b)"),
        "rc.conf:1:3: command substitution is not supported"
    );
    assert_eq!(err("x=$((a)"), "rc.conf:1:3: unterminated command substitution");
    assert_eq!(err("x=$((a"), "rc.conf:1:3: unterminated command substitution");
    for text in ["x=$((1+2))", "x=$((a) b)", "x=$((a)", "x=$((a", "x=$(($(a) )) b"] {
        assert_eq!(diff_v1(text), Ok(None), "{text:?}");
    }
}

/// Nesting that the `MAX_NESTING` count does not see (each `)` lowers it) is bounded
/// where the evaluator recurses: 100 levels evaluate, 101 do not, and 20,000 (which
/// used to overflow the stack) are an error too. On a thread with room for pest to
/// read all 20,000 levels, or pest's own stack guard would stop it first.
#[test]
fn deep_nesting_unseen_by_the_count_is_an_error_not_a_crash() {
    let nest = |n: usize| format!("x={}{}\n", "${a-)".repeat(n), "}".repeat(n));
    assert_eq!(val(&nest(MAX_DEPTH), "x"), ")".repeat(MAX_DEPTH));
    assert_eq!(
        err(&nest(MAX_DEPTH + 1)),
        "rc.conf:1:503: expansions are nested too deeply (more than 100 levels)"
    );
    let deep = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || err(&nest(20_000)))
        .and_then(|t| t.join().map_err(|_| std::io::Error::other("panicked")));
    assert_eq!(
        deep.ok().as_deref(),
        Some("rc.conf:1:503: expansions are nested too deeply (more than 100 levels)")
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("x={}{}", "${a-".repeat(5000), "}".repeat(5000));
    assert!(err(&text).contains("nested too deeply"));
}

/// Through the command line's pinning loader, the files given are pinned and a file
/// `.` sources is not: each reading of it would be kept to the end of the run (100
/// `. FILE` of a 1 MB file: 104 MB, against 9 MB unpinned).
#[test]
fn a_sourced_file_is_not_pinned() {
    use crate::parse::loader::Loader;
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("rc.conf"), "a=1\n[ -f /x.conf ] && . /x.conf\n").expect("write");
    std::fs::write(d.path().join("x.conf"), "b=2\n").expect("write");
    let loader = Loader::new(Some(d.path().to_path_buf())).pinning();
    let (vars, _) =
        super::load_files(&loader, &["/rc.conf".into()], &RcOptions::default()).expect("evaluates");
    let pinned = |name: &str| {
        vars.vars
            .get(name)
            .map(|v| (v.loc.file().to_owned(), v.loc.source.pinned()))
    };
    assert_eq!(pinned("a"), Some(("/rc.conf".into(), true)));
    assert_eq!(pinned("b"), Some(("/x.conf".into(), false)));
}
