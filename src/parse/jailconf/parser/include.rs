//! `.include`: the one statement that reads the file system (the loader, glob(3)) and
//! parses other files into the same records.

use super::{Parser, Stream};
use crate::diag::{Diag, Loc, exit};
use crate::parse::jailconf::{CfParam, MAX_INCLUDE_DEPTH};

impl Parser<'_> {
    /// `.include "pattern", ...;` (config.c include_config): relative names are taken
    /// from the including file's directory; glob(3) with GLOB_NOCHECK: a pattern with
    /// magic characters may match nothing, a plain name must exist.
    pub(super) fn include(&mut self, s: &mut Stream, param: &CfParam, is_stdin: bool) -> Result<(), Diag> {
        for v in &param.values {
            let at = Loc::new(s.source(), v.start);
            if !v.vars.is_empty() {
                // jailparse.y reports the line of the `;` that ends the statement.
                return Err(Diag::error(
                    Some(Loc::new(s.source(), param.end() - 1)),
                    "variables not permitted in '.include' filename",
                ));
            }
            self.depth += 1;
            if self.depth > MAX_INCLUDE_DEPTH {
                return Err(
                    Diag::error(Some(at), "maximum include depth exceeded").with_note(format!(
                        "jail(8) follows at most {MAX_INCLUDE_DEPTH} nested includes; is there a cycle?"
                    )),
                );
            }
            let mut name = v.text.to_string();
            let outer = &s.source().name;
            if !is_stdin
                && !name.starts_with('/')
                && let Some(slash) = outer.rfind('/')
            {
                name = format!("{}{}", &outer[..=slash], name);
            }
            if has_glob_magic(&name) {
                for m in self.glob(&name, &at)? {
                    let src = self.loader.read(&m, Some(at.clone()))?;
                    self.parse_config(src, false)?;
                }
            } else {
                let src = self.loader.read(&name, Some(at.clone()))?;
                self.parse_config(src, false)?;
            }
            self.depth -= 1;
        }
        Ok(())
    }

    fn glob(&self, pattern: &str, at: &Loc) -> Result<Vec<String>, Diag> {
        let real = self.loader.real_path(pattern);
        let real = real.to_string_lossy();
        let full = match &self.loader.root {
            // Only the part below the root is a pattern.
            Some(root) if pattern.starts_with('/') => {
                format!(
                    "{}{}",
                    glob::Pattern::escape(&root.to_string_lossy()),
                    &real[root.to_string_lossy().len()..]
                )
            }
            _ => real.into_owned(),
        };
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let paths = glob::glob_with(&full, opts).map_err(|e| {
            Diag::error(Some(at.clone()), format!("{pattern}: filename glob failed: {e}"))
                .with_exit(exit::DATAERR)
        })?;
        let mut found: Vec<String> = paths
            .filter_map(Result::ok)
            .map(|p| self.loader.host_path(&p))
            .collect();
        found.sort();
        Ok(found)
    }
}

/// glob(3) sets GLOB_MAGCHAR for `*`, `?` and a bracket expression with its `]`.
fn has_glob_magic(s: &str) -> bool {
    s.contains('*') || s.contains('?') || s.find('[').is_some_and(|i| s[i + 1..].contains(']'))
}
