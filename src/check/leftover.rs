//! JV033: a file jailvol wrote in its directory that nothing uses any more
//! (`write::leftovers`, which `generate` removes).

use super::Report;
use crate::diag::Diag;
use crate::lint::Lint;
use crate::write::Leftover;

/// Report each leftover, or why the directory could not be listed (JV027, as a file
/// generate writes that cannot be read).
pub fn lint(found: Result<Vec<Leftover>, Diag>, r: &mut Report) {
    match found {
        Ok(found) => {
            for left in found {
                r.push(Lint::UnusedFile.diag(
                    None,
                    format!(
                        "{}: jailvol wrote this file, but no managed jail uses it and no jail names it; \
                         `jailvol generate` removes it",
                        left.path
                    ),
                ));
            }
        }
        Err(e) => r.push(Lint::UnreadableOutput.attach(e)),
    }
}
