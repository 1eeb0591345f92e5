//! The rc.conf lexer as it was before issue 8 (grammar/rcconf.pest at c4d0e35), for tests
//! only: its rules let a failed construct fail and read the text again under the next
//! alternative, which takes exponential time on nested unterminated constructs. The
//! committing grammar must give the same tokens on every input, except where this one
//! read an unterminated construct's text again and found a closer for something around
//! it (see `diff_v1` and `unterminated_inside_an_expansion_is_a_syntax_error` in
//! ../tests.rs). Its `svar` is the current one (issue 20: line continuations inside
//! `$name` are dropped as sh does), so that the comparison stays about committing.

use pest::Parser;
use pest::iterators::Pair;

use crate::parse::rcconf::lex::joined_name;
use crate::parse::rcconf::token::{BOp, Part, Tok, Word, bad, push_lit};

#[derive(pest_derive::Parser)]
#[grammar_inline = r##"
file = _{ SOI ~ item* ~ EOI }
item = _{ blank | cont | newline | comment | heredoc | op | word }

line = { (blank | cont | comment | heredoc | op | word)* ~ (newline | EOI) }

blank   = _{ (" " | "\t")+ }
cont    = _{ "\\\n" }
newline =  { "\n" }
comment = _{ "#" ~ (!"\n" ~ ANY)* }

heredoc = { "<<" }
op      = { ";;" | "&&" | "||" | ";" | "&" | "|" | "(" | ")" | "<" | ">" }

word  = ${ wpart+ }
wpart = _{ cont | sq | sq_open | dq | dq_open | esc | esc_eof | dollar | bq | bq_open | lit }

lit     = @{ lit_char+ }
lit_char = _{ 'a'..'{' | '*'..':' | '?'..'[' | "=" | ']'..'_' | '}'..'\u{10FFFF}' | "#" | "!" | "%"
            | '\u{00}'..'\u{08}' | '\u{0B}'..'\u{1f}' }
esc     = @{ "\\" ~ ANY }
esc_eof = @{ "\\" ~ EOI }

sq      = @{ "'" ~ (!"'" ~ ANY)* ~ "'" }
sq_open = @{ "'" ~ ANY* }

dq      = ${ "\"" ~ dqpart* ~ "\"" }
dq_open = @{ "\"" ~ ANY* }
dqpart  = _{ cont | dq_esc | dollar_q | bq | bq_open | dq_lit }
dq_esc  = @{ "\\" ~ ("$" | "`" | "\"" | "\\") }
dq_lit  = @{ (dq_char | ("\\" ~ !("$" | "`" | "\"" | "\\" | "\n")))+ }
dq_char = _{ 'a'..'\u{10FFFF}' | '%'..'[' | " " | "!" | "#" | ']'..'_' | '\u{00}'..'\u{1f}' }

name = @{ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_")* }

dollar   = _{ arith | cmdsub | cmdsub_open | bvar | bvar_other | bvar_open | svar
            | dollar_cont | special | dollar_sq | lone_dollar }
dollar_q = _{ arith | cmdsub | cmdsub_open | bvar_q | bvar_other | bvar_open | svar
            | dollar_cont | special | lone_dollar }

svar        = @{ "$" ~ "\\\n"* ~ (ASCII_ALPHA | "_") ~ ("\\\n"* ~ (ASCII_ALPHANUMERIC | "_"))* }
dollar_cont = @{ "$" ~ "\\\n" }
special     = @{ "$" ~ (ASCII_DIGIT | "@" | "*" | "#" | "?" | "-" | "$" | "!") }
dollar_sq   = @{ "$'" }
lone_dollar = @{ "$" }

bop     = @{ ":-" | ":=" | ":+" | "-" | "=" | "+" }
bvar    = ${ "${" ~ name ~ (bop ~ bword)? ~ "}" }
bword   = ${ bpart* }
bpart   = _{ cont | sq | dq | esc | dollar | bq | bq_open | bw_lit }
bw_lit  = @{ (!("}" | "'" | "\"" | "\\" | "$" | "`") ~ ANY)+ }

bvar_q   = ${ "${" ~ name ~ (bop ~ bword_q)? ~ "}" }
bword_q  = ${ bpart_q* }
bpart_q  = _{ cont | bq_esc | dq_in | dollar_q | bq | bq_open | bwq_lit }
bq_esc   = @{ "\\" ~ ("$" | "`" | "\"" | "\\" | "}") }
dq_in    = ${ "\"" ~ dqpart* ~ "\"" }
bwq_lit  = @{ ((!("}" | "\"" | "\\" | "$" | "`") ~ ANY) | ("\\" ~ !("$" | "`" | "\"" | "\\" | "\n" | "}")))+ }

bvar_other = @{ "${" ~ (sq | dq | "\\" ~ ANY | bvar_other | !"}" ~ ANY)* ~ "}" }
bvar_open  = @{ "${" ~ ANY* }

arith       = @{ "$((" ~ sub_body ~ "))" }
cmdsub      = @{ "$(" ~ sub_body ~ ")" }
cmdsub_open = @{ "$(" ~ ANY* }
sub_body    = _{ (sq | dq | "\\" ~ ANY | cmdsub | paren | bq | !")" ~ ANY)* }
paren       = _{ "(" ~ sub_body ~ ")" }
bq          = @{ "`" ~ ("\\" ~ ANY | !"`" ~ ANY)* ~ "`" }
bq_open     = @{ "`" ~ ANY* }
"##]
struct OldLexer;

/// Tokens of `text` as the old grammar's `file` rule gives them (None: pest failed).
pub(super) fn lex(text: &str) -> Option<Vec<Tok<'_>>> {
    let pairs = OldLexer::parse(Rule::file, text).ok()?;
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
                    part(q, &mut parts, false);
                }
                toks.push(Tok::Word(Word { start, end, parts }));
            }
            _ => {}
        }
    }
    Some(toks)
}

/// lex.rs's `part` as it was.
fn part<'s>(p: Pair<'s, Rule>, parts: &mut Vec<Part<'s>>, in_dq: bool) {
    let start = p.as_span().start();
    let s = p.as_str();
    match p.as_rule() {
        Rule::lit | Rule::bw_lit => push_lit(parts, s, in_dq),
        Rule::dq_lit | Rule::bwq_lit => push_lit(parts, s, true),
        Rule::esc | Rule::dq_esc | Rule::bq_esc => push_lit(parts, &s[1..], true),
        Rule::sq => push_lit(parts, &s[1..s.len() - 1], true),
        Rule::dq | Rule::dq_in => {
            push_lit(parts, "", true);
            for q in p.into_inner() {
                part(q, parts, true);
            }
        }
        Rule::lone_dollar => push_lit(parts, "$", in_dq),
        Rule::svar => parts.push(Part::Var {
            name: joined_name(&s[1..]),
            start,
            quoted: in_dq,
        }),
        Rule::bvar | Rule::bvar_q => {
            let mut inner = p.into_inner();
            let name = inner.next().map_or("", |n| n.as_str());
            match inner.next() {
                None => parts.push(Part::Var {
                    name: std::borrow::Cow::Borrowed(name),
                    start,
                    quoted: in_dq,
                }),
                Some(opp) => {
                    let op = match opp.as_str() {
                        ":-" => BOp::ColonMinus,
                        ":=" => BOp::ColonAssign,
                        ":+" => BOp::ColonPlus,
                        "-" => BOp::Minus,
                        "=" => BOp::Assign,
                        _ => BOp::Plus,
                    };
                    let mut word = Vec::new();
                    if let Some(w) = inner.next() {
                        for q in w.into_inner() {
                            part(q, &mut word, in_dq);
                        }
                    }
                    parts.push(Part::Op {
                        name,
                        op,
                        word,
                        start,
                        quoted: in_dq,
                    });
                }
            }
        }
        Rule::sq_open => bad(parts, start, "unterminated single quote", true),
        Rule::dq_open => bad(parts, start, "unterminated double quote", true),
        Rule::bq_open => bad(parts, start, "unterminated backquote", true),
        Rule::cmdsub_open => bad(parts, start, "unterminated command substitution", true),
        Rule::bvar_open => bad(parts, start, "unterminated `${`", true),
        Rule::esc_eof => bad(parts, start, "backslash at end of file", false),
        Rule::arith => bad(parts, start, "arithmetic expansion is not supported", false),
        Rule::cmdsub | Rule::bq => bad(parts, start, "command substitution is not supported", false),
        Rule::bvar_other => {
            let msg = if s.contains("\\\n") {
                "line continuation inside `${...}` is not supported".to_owned()
            } else if s.starts_with("${#") {
                "`${#...}` (length) is not supported".to_owned()
            } else {
                let shown: String = s.chars().take(24).collect();
                let more = if shown.len() < s.len() { "..." } else { "" };
                format!("parameter expansion `{shown}{more}` is not supported")
            };
            bad(parts, start, msg, false)
        }
        Rule::dollar_cont => bad(
            parts,
            start,
            "line continuation after `$` is not supported here (only before a name)",
            false,
        ),
        Rule::special => bad(
            parts,
            start,
            format!("special parameter `{s}` is not supported"),
            false,
        ),
        Rule::dollar_sq => bad(
            parts,
            start,
            "`$'...'` quoting is not supported (FreeBSD sh and dash read it differently)",
            false,
        ),
        _ => {}
    }
}
