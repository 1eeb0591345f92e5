//! Writing the new `$volume_size` back into jail.conf: the edit (every other byte
//! kept) and its check (the edited text, parsed as jail(8) reads it, gives the jail the
//! new size).

use crate::parse::jailconf::{Op, Parsed};
use crate::volume::VAR_SIZE;

/// The jail.conf edit: the new text of the file holding the statement to change. The
/// jail's own `$volume_size = ...;` gets its value replaced (quotes and the rest of the
/// line kept); a size from a wildcard block gets a statement of its own at the end of
/// the jail's block. Returns (file as named in the configuration, new text).
pub fn config_edit(parsed: &Parsed, record: usize, new_value: &str) -> Result<(String, String), String> {
    let rec = parsed
        .jails
        .get(record)
        .ok_or_else(|| "the jail's block was not found".to_owned())?;
    if let Some(p) = parsed
        .params(rec)
        .iter()
        .rev()
        .find(|p| p.is_var && p.name == VAR_SIZE)
    {
        let src = parsed
            .source_of(p)
            .ok_or_else(|| "the file of the jail's size was not found".to_owned())?;
        let text = &src.text;
        if p.op != Op::Set {
            return Err(format!(
                "{}:{}: ${VAR_SIZE} is not written `${VAR_SIZE} = VALUE;`: change it by hand",
                src.name,
                src.line(p.start())
            ));
        }
        let stmt = text.get(p.start()..p.end()).unwrap_or("");
        let eq = stmt.find('=').ok_or("no `=` in the statement")?;
        let vstart = p.start() + eq + 1;
        let vend = p.end().saturating_sub(1).max(vstart);
        let raw = &text[vstart..vend];
        let val = raw.trim_matches([' ', '\t']);
        if val.contains(['#', ',', '\n', '$', '\\']) || val.contains("/*") || val.contains("//") {
            return Err(format!(
                "{}:{}: the ${VAR_SIZE} value `{val}` is not a plain word: change it by hand",
                src.name,
                src.line(p.start())
            ));
        }
        let quoted = if val.len() >= 2 && val.starts_with('"') && val.ends_with('"') {
            format!("\"{new_value}\"")
        } else if val.len() >= 2 && val.starts_with('\'') && val.ends_with('\'') {
            format!("'{new_value}'")
        } else {
            new_value.to_owned()
        };
        let lead = raw.len() - raw.trim_start_matches([' ', '\t']).len();
        let trail = raw.len() - raw.trim_end_matches([' ', '\t']).len();
        let mut out = String::with_capacity(text.len() + 8);
        out.push_str(&text[..vstart + lead]);
        out.push_str(&quoted);
        out.push_str(&text[vend - trail..]);
        return Ok((src.name.clone(), out));
    }
    let block = rec
        .block
        .as_ref()
        .ok_or_else(|| "the jail has no block of its own to hold the new size".to_owned())?;
    let text = &block.source.text;
    let close = block.close;
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    let own_line = text[line_start..close].trim_matches([' ', '\t']).is_empty();
    let stmt = format!("${VAR_SIZE} = {new_value};");
    let mut out = String::with_capacity(text.len() + 64);
    if own_line && line_start > block.open {
        let indent = parsed
            .params(rec)
            .iter()
            .filter(|p| p.start() > block.open && parsed.is_in(p, &block.source))
            .find_map(|p| {
                let ls = text[..p.start()].rfind('\n').map_or(0, |i| i + 1);
                let pre = &text[ls..p.start()];
                pre.chars().all(|c| c == ' ' || c == '\t').then(|| pre.to_owned())
            })
            .unwrap_or_else(|| {
                let hs = text[..block.header].rfind('\n').map_or(0, |i| i + 1);
                let outer: String = text[hs..block.header]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                format!("{outer}\t")
            });
        out.push_str(&text[..line_start]);
        out.push_str(&format!("{indent}{stmt} # set by jailvol grow\n"));
        out.push_str(&text[line_start..]);
    } else {
        // `www { path = /x; }`: stay on the line (a `#` comment would hide the `}`).
        let cut = text[..close].trim_end_matches([' ', '\t']).len();
        out.push_str(&text[..cut]);
        out.push(' ');
        out.push_str(&stmt);
        out.push(' ');
        out.push_str(&text[close..]);
    }
    Ok((block.source.name.clone(), out))
}

/// Parse the edited text as jail(8) would read the configuration and check that the jail
/// gets the new size. Only the edited file is replaced; the other sources are read again.
pub fn verify_edit(
    loader: &crate::parse::loader::Loader,
    parsed: &Parsed,
    file: &str,
    text: &str,
    jail: &str,
    new: u64,
) -> Result<(), String> {
    use crate::parse::jailconf;
    // Only a main file can be re-parsed on its own (an included one is read through it).
    let Some(main) = parsed.sources.first() else {
        return Ok(());
    };
    if main.name != file {
        return Ok(());
    }
    let src = crate::diag::Source::new(file, text);
    let p = jailconf::parse_source(loader, src, false).map_err(|d| d.message)?;
    let cfg = crate::model::load(&p);
    let vols = crate::volume::collect(&cfg, Some(&p))
        .map_err(|ds| ds.into_iter().map(|d| d.message).collect::<Vec<_>>().join("; "))?;
    match vols.iter().find(|v| v.jail == jail) {
        Some(v) if v.size == new => Ok(()),
        Some(v) => Err(format!("{jail} would get {} bytes, not {new}", v.size)),
        None => Err(format!("{jail} would no longer have a container")),
    }
}
