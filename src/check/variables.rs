//! JV031: a `$volume_*` variable that is none of jailvol's settings. jail(8) drops every
//! variable after substitution (`config.c` `load_config` frees the `PF_VAR` parameters),
//! so `$volume_sise = 4G;` is silently nothing: the jail is not managed, and `generate`
//! then removes its hooks. The statements are read as written (every block, wildcard and
//! top level), once each, not per merged jail.

use crate::diag::Diag;
use crate::lint::Lint;
use crate::parse::jailconf::{CfJail, CfParam, Parsed};
use crate::settings::{self, VAR_SIZE};

/// The known names: settings.rs holds the one list.
const SETTINGS: [&str; 5] = settings::ALL;

/// The prefix jailvol's settings share, which jailvol takes as its own.
const PREFIX: &str = "volume_";

/// The finding for variable statement `p` of record `rec`, if any
/// (`check::lint_config` walks every statement, this and `params::Unknown`).
pub fn statement(parsed: &Parsed, rec: &CfJail, p: &CfParam) -> Option<Diag> {
    let name = p.name.as_str();
    if SETTINGS.contains(&name) {
        return None;
    }
    let near = nearest(name);
    let prefixed = name
        .get(..PREFIX.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(PREFIX));
    if !prefixed && near.is_none() {
        return None;
    }
    let hint = match near {
        Some(s) => format!("did you mean ${s}?"),
        None => format!("the settings are {}", settings::listed()),
    };
    let d = Lint::UnknownVolumeVariable.diag(
        parsed.loc_of(p),
        format!(
            "${name} is not a jailvol setting ({hint}): jail(8) and jailvol ignore it, and a jail \
             without ${VAR_SIZE} is not managed"
        ),
    );
    Some(match rec.jail_name() {
        Some(jail) => d.with_jail(jail),
        None => d,
    })
}

/// The setting `name` most likely means: the closest by edit distance (a transposition
/// counting as one edit), when at most two edits away; the first of equals, in
/// `SETTINGS` order.
fn nearest(name: &str) -> Option<&'static str> {
    // Most variables are far longer or shorter than every setting: no distance to
    // compute for them (check reads every variable of every block).
    if SETTINGS.iter().all(|s| s.len().abs_diff(name.len()) > 2) {
        return None;
    }
    closest(&name.to_ascii_lowercase(), SETTINGS, 2)
}

/// The candidate closest to `name` by edit distance (`distance`), when at most `max`
/// edits away; the first of equals, in the candidates' order. Shared by the lints that
/// say "did you mean" (JV031, JV032).
pub(super) fn closest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    max: usize,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .filter(|c| c.len().abs_diff(name.len()) <= max)
        .map(|c| (distance(name, c), c))
        .filter(|&(d, _)| d <= max)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// two adjacent characters, each one edit.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Three rows: two back (for swaps), the previous and the current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{VAR_ENCRYPT, VAR_FILE, VAR_KEYFILE, VAR_UNIT};

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(distance("volume_sise", "volume_size"), 1);
        assert_eq!(distance("volume_szie", "volume_size"), 1);
        assert_eq!(distance("volume_siz", "volume_size"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(nearest("volume_sise"), Some(VAR_SIZE));
        assert_eq!(nearest("Volume_Size"), Some(VAR_SIZE));
        assert_eq!(nearest("volume_files"), Some(VAR_FILE));
        assert_eq!(nearest("volume_mdunit"), Some(VAR_UNIT));
        assert_eq!(nearest("volume_unit"), None);
        assert_eq!(nearest("volum_size"), Some(VAR_SIZE));
        assert_eq!(nearest("ip"), None);
        assert_eq!(nearest("volume_encrpyt"), Some(VAR_ENCRYPT));
        assert_eq!(nearest("volume_keyfil"), Some(VAR_KEYFILE));
    }
}
