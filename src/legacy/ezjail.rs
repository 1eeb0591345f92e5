//! ezjail hosts (sysutils/ezjail, tomster/ezjail @9cfcbe1: `ezjail.sh`, `ezjail-admin`).
//!
//! With `ezjail_enable=YES`, ezjail.sh's `do_cmd start` lists the files of
//! `/usr/local/etc/ezjail/` with `ls | xargs rcorder` (ezjail.sh:51), skips a file
//! whose name has a dot and a jail whose `NAME.norun` exists (ezjail.sh:58-66), sources
//! the file (`export jail_NAME_*`, ezjail.sh:69) and passes the file names to
//! `sh /etc/rc.d/jail onestart NAME...` (ezjail.sh:104). So each such file name is a
//! jail rc.d/jail converts, whatever `jail_list` says. See docs/legacy.md, ezjail.

mod rcorder;

use std::borrow::Cow;

use super::{Block, Few, Line, Op, Origin, yesno};
use crate::diag::Diag;
use crate::parse::loader::Loader;
use crate::parse::rcconf::RcVars;

/// `${ezjail_prefix}/etc/ezjail/` with the prefix the port installs to (ezjail.sh:18,39).
pub const DIR: &str = "/usr/local/etc/ezjail";

/// The jails ezjail.sh starts at boot, in its order.
#[derive(Default, Clone)]
pub(super) struct List<'a> {
    pub names: Vec<String>,
    /// `ezjail_enable`, the variable behind every name.
    pub origin: Option<Origin<'a>>,
}

/// The ezjail jails of the host (none when `ezjail_enable` is not YES: rc.subr's
/// `checkyesno` on the rcvar, ezjail.sh:23-27), with a warning for each file skipped.
pub(super) fn list<'a>(vars: &'a RcVars, loader: &Loader, warnings: &mut Vec<Diag>) -> List<'a> {
    let mut out = List {
        names: Vec::new(),
        origin: None,
    };
    let enable = vars.vars.get_key_value("ezjail_enable");
    if vars.named_files {
        // `-f FILE`: only the named files were read, none of ezjail's per-jail files, so
        // a jail listed from them would have none of its variables.
        let on = enable.filter(|(_, v)| yesno(&v.value) == Some(true));
        let jails = jail_files(loader);
        if let Some((_, v)) = on.filter(|_| jails > 0) {
            warnings.push(
                Diag::warning(
                    Some(v.loc.clone()),
                    format!("ezjail_enable is YES, but -f reads only the named files: the {jails} ezjail jail(s) in {DIR} are left out"),
                )
                .with_note("without -f, jailvol reads the host's rc.conf files and ezjail's per-jail files, as rc.d and ezjail.sh do"),
            );
        }
        return out;
    }
    let Some((n, v)) = enable.filter(|(_, v)| yesno(&v.value) == Some(true)) else {
        let jails = jail_files(loader);
        if jails > 0 {
            let now = enable.map_or_else(|| "unset".to_owned(), |(_, v)| format!("\"{}\"", v.value));
            warnings.push(
                Diag::warning(
                    enable.map(|(_, v)| v.loc.clone()),
                    format!("ezjail_enable is {now}: ezjail starts none of the {jails} jail(s) in {DIR}; none converted"),
                )
                .with_note("ezjail's rc script runs only with ezjail_enable=YES; name a jail to convert it anyway"),
            );
        }
        return out;
    };
    out.origin = Some(Origin::of(n, v));
    let files = files(loader);
    let (order, notes) = ordered(&files);
    for n in notes {
        warnings.push(
            Diag::warning(None, format!("{DIR}: rcorder: {n}"))
                .with_note("ezjail.sh orders its jails with rcorder(8) over these files"),
        );
    }
    let exists = |name: &str| files.iter().any(|(f, _)| f == name);
    for i in order {
        let name = &files[i].0;
        let at = Some(crate::diag::Loc::new(
            &crate::diag::Source::new(format!("{DIR}/{name}"), files[i].1.clone()),
            0,
        ));
        if let Some(base) = name.strip_suffix(".norun").filter(|b| !b.contains('.')) {
            warnings.push(
                Diag::warning(
                    at,
                    format!("ezjail jail {base} is disabled ({name}): not converted"),
                )
                .with_note("ezjail.sh skips a jail whose per-jail file is NAME.norun"),
            );
        } else if name.contains('.') {
            warnings.push(
                Diag::warning(
                    at,
                    format!("{DIR}/{name}: ezjail skips a file whose name has a dot"),
                )
                .with_note("ezjail.sh starts no jail from it (ezjail.sh: `${ezjail%.*}`)"),
            );
        } else if exists(&format!("{name}.norun")) {
            warnings.push(
                Diag::warning(
                    at,
                    format!("ezjail jail {name} is disabled ({name}.norun exists): not converted"),
                )
                .with_note("ezjail.sh reads NAME.norun in place of NAME when both exist, and skips the jail"),
            );
        } else {
            out.names.push(name.clone());
        }
    }
    out
}

/// rcorder(8) over the files: their indices in its order, and its notes.
fn ordered(files: &[(String, String)]) -> (Vec<usize>, Vec<String>) {
    let headers: Vec<(String, rcorder::Header)> = files
        .iter()
        .map(|(name, text)| (name.clone(), rcorder::header(text)))
        .collect();
    rcorder::order(&headers)
}

/// What `cd /usr/local/etc/ezjail/ && ls | xargs rcorder` prints (ezjail.sh:51): every
/// file name, `NAME.norun` and other dotted ones included, in rcorder's order. ezjail.sh
/// skips the dotted ones and the disabled jails at a start, not at a stop (ezjail.sh:65-66).
pub fn rcorder_files(loader: &Loader) -> Vec<String> {
    let files = files(loader);
    let (order, _) = ordered(&files);
    order.into_iter().map(|i| files[i].0.clone()).collect()
}

/// How many of the directory's files are jails ezjail would start (no dot in the name).
fn jail_files(loader: &Loader) -> usize {
    files(loader).iter().filter(|(f, _)| !f.contains('.')).count()
}

/// The regular files of the directory as `ls` lists them (no dot files, sorted bytewise:
/// rc runs in the C locale), with their text; rcorder skips anything else (S_ISREG).
fn files(loader: &Loader) -> Vec<(String, String)> {
    crate::parse::rcconf::dir_files(loader, DIR)
        .into_iter()
        .filter_map(|host| {
            let name = host.strip_prefix(DIR)?.strip_prefix('/')?.to_owned();
            // Read once per run: load_host sourced most of these already.
            let src = loader.read_kept(&host).ok()?;
            Some((name, src.text.as_str().to_owned()))
        })
        .collect()
}

/// An ezjail image jail in the converted block (`jail_NAME_image`, `_imagetype`):
/// false when the jail cannot be converted (a warning says why) and is left out.
///
/// A `simple` image is what `ezjail-admin create -i` makes: `dd` from /dev/zero,
/// `mdconfig -a -t vnode -f IMG` and `newfs -U /dev/mdN` straight on the md device
/// (ezjail-admin:541-608), which ezjail.sh attaches at start (`mdconfig`, `fsck -t ufs
/// -p -B`, link `ROOTDIR.device`, ezjail.sh:150-182) and rc.d/jail mounts through the
/// fstab line `ROOTDIR.device ROOTDIR ufs rw 0 0` (ezjail-admin:648-651). That is a
/// jailvol container as it is: the block gets `$volume_file` = the image and
/// `$volume_size` = its size, and the fstab's other lines become `mount +=` entries
/// (jailvol's generate puts them after its own root line), the `.device` line dropped.
pub(super) fn image<'a>(
    vars: &'a RcVars,
    loader: &Loader,
    block: &mut Block<'a>,
    warnings: &mut Vec<Diag>,
) -> bool {
    let jv = block.jv.clone();
    let get = |s: &str| vars.vars.get_key_value(format!("jail_{jv}_{s}").as_str());
    let kind = get("imagetype").map_or("", |(_, v)| v.value.as_str());
    let mut keyfile: Option<String> = None;
    let img = get("image").filter(|(_, v)| !v.value.is_empty());
    let refuse = |why: &str, note: &str, warnings: &mut Vec<Diag>| {
        let at = get("imagetype").or(img).map(|(_, v)| v.loc.clone());
        warnings.push(
            Diag::warning(at, format!("ezjail jail {}: {why}: not converted", block.name))
                .with_note(note.to_owned()),
        );
        false
    };
    match kind {
        "zfs" => {
            return refuse(
                "a ZFS jail (imagetype zfs) is not convertible",
                "its root is a ZFS dataset (ezjail-admin create -c zfs), not an image jailvol can adopt",
                warnings,
            );
        }
        "bde" | "crypto" => {
            return refuse(
                &format!("a gbde image (imagetype {kind}) is not convertible"),
                "jailvol has no gbde(8) containers; copy the jail into a new container (jailvol migrate on a directory jail)",
                warnings,
            );
        }
        "eli" => {
            let params = get("attachparams").map_or("", |(_, v)| v.value.as_str());
            match eli_keyfile(params) {
                Ok(key) => keyfile = Some(key),
                Err(why) => {
                    return refuse(
                        &format!("a geli image (imagetype eli) is not convertible: it {why}"),
                        &format!(
                            "ezjail attaches it with `geli attach {} /dev/mdN` (ezjail.sh:167); jailvol's \
                             geli containers attach with a keyfile alone (geli attach -p -k KEYFILE), at boot, \
                             without a prompt",
                            params.trim()
                        ),
                        warnings,
                    );
                }
            }
        }
        "" | "simple" => {}
        other => {
            return refuse(
                &format!("unknown imagetype \"{other}\""),
                "ezjail-admin knows simple, bde, eli and zfs (ezjail-admin:456)",
                warnings,
            );
        }
    }
    let Some((img_var, img_val)) = img else {
        return true; // a directory jail
    };
    let from = Few::One(Origin::of(img_var, img_val));
    let path = img_val.value.as_str();
    block.lines.push(Line {
        name: Cow::Borrowed("volume_file"),
        is_var: true,
        op: Op::Set,
        values: Few::One(Cow::Borrowed(path)),
        from: from.clone(),
    });
    match std::fs::metadata(loader.real_path(path)) {
        Ok(m) if m.is_file() => block.lines.push(Line {
            name: Cow::Borrowed("volume_size"),
            is_var: true,
            op: Op::Set,
            values: Few::One(Cow::Owned(crate::volume::format_size(m.len()))),
            from: from.clone(),
        }),
        _ => warnings.push(
            Diag::warning(
                Some(img_val.loc.clone()),
                format!(
                    "ezjail jail {}: image {path} not found under the root: no $volume_size",
                    block.name
                ),
            )
            .with_note("set $volume_size to the image's size in bytes before generate"),
        ),
    }
    if let Some(key) = keyfile {
        let at = get("attachparams").map_or(from, |(n, v)| Few::One(Origin::of(n, v)));
        geli_lines(block, key, at);
    }
    let rootdir = get("rootdir").map_or("", |(_, v)| v.value.as_str());
    device_line(loader, block, rootdir);
    // ezjail.sh attaches the image itself (mdconfig) for as long as it starts the jail:
    // a second md unit on the container if jailvol's helper attached it too
    // (rcplan::ezjail_attaches refuses that).
    warnings.push(
        Diag::warning(
            Some(img_val.loc.clone()),
            format!("ezjail jail {}: its image {path} becomes the jail's container; ezjail attaches it too while it starts the jail", block.name),
        )
        .with_note(format!(
            "write the block to jail.conf (jailvol convert {name} -o /etc/jail.conf), then rename {DIR}/{name} to .{name}.norun (ezjail's ls then skips it); \
             or `jailvol migrate {name}` does both; generate on the rc.conf host refuses the jail while ezjail starts it",
            name = block.name
        )),
    );
    true
}

/// An eli image: the geli provider on the md unit is jailvol's geli container, with
/// the keyfile of its attach parameters.
fn geli_lines<'a>(block: &mut Block<'a>, key: String, from: Few<Origin<'a>>) {
    for (name, value) in [
        (crate::settings::VAR_ENCRYPT, "geli".to_owned()),
        (crate::settings::VAR_KEYFILE, key),
    ] {
        block.lines.push(Line {
            name: Cow::Borrowed(name),
            is_var: true,
            op: Op::Set,
            values: Few::One(Cow::Owned(value)),
            from: from.clone(),
        });
    }
}

/// The keyfile of an eli image jail from its `_attachparams`, or why it has none that
/// jailvol can use.
///
/// ezjail-admin makes the attach parameters from the `geli init` ones it was given
/// (`create -c eli -C PARAMS`): `-P` (no passphrase) becomes `-p`, each `-K FILE`
/// becomes `-k 'FILE'`, the rest is dropped (ezjail-admin:352-366
/// `parse_geli_attach_args`), and ezjail.sh runs `echo geli attach ATTACHPARAMS
/// /dev/mdN | /bin/sh` (ezjail.sh:167), so the value is sh words. geli attach reads the
/// algorithms, key length and sector size from the provider's metadata, so an image
/// made by `geli init -P -K FILE` (any other init flags) attaches as jailvol's helper
/// attaches a container: `geli attach -p -k FILE mdN`. Its options are `-C -d -j -k -n
/// -p -r -v` (sbin/geom/class/eli/geom_eli.c, the "attach" command): `-d` and `-v` do
/// not change what is attached; `-C` (dry run), `-r` (read-only) and `-n` (one key
/// slot) would, and are not converted.
fn eli_keyfile(params: &str) -> Result<String, String> {
    let words = sh_words(params).ok_or_else(|| {
        format!("has attach parameters jailvol cannot read without running sh ({params:?})")
    })?;
    let (mut nopass, mut keys, mut passfiles) = (false, Vec::new(), 0);
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let Some(flags) = w.strip_prefix('-').filter(|f| !f.is_empty()) else {
            return Err(format!("has an attach parameter that is not an option ({w:?})"));
        };
        for (i, c) in flags.char_indices() {
            match c {
                'p' => nopass = true,
                'd' | 'v' => {}
                'k' | 'j' | 'n' => {
                    // getopt(3): the rest of the word, else the next word.
                    let rest = &flags[i + c.len_utf8()..];
                    let arg = if rest.is_empty() {
                        it.next().cloned().unwrap_or_default()
                    } else {
                        rest.to_owned()
                    };
                    match c {
                        'k' => keys.push(arg),
                        'j' => passfiles += 1,
                        _ => return Err(format!("attaches one key slot only (-n {arg})")),
                    }
                    break;
                }
                other => return Err(format!("attaches with -{other}")),
            }
        }
    }
    if !nopass || passfiles > 0 {
        return Err("needs a passphrase (its attach parameters have no -p)".into());
    }
    match keys.as_slice() {
        [one] if !one.is_empty() => Ok(one.clone()),
        [] => Err("has no keyfile (-k) in its attach parameters".into()),
        _ => Err("attaches with several keyfiles (-k); a jailvol container has one".into()),
    }
}

/// The words sh makes of `s` when nothing in it expands: blanks split, `'...'`, `"..."`
/// and `\\` quote. None when something would expand (`$`, a backquote, globbing) or a
/// quote is not closed.
fn sh_words(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(w) = word.take() {
                    out.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '$' | '`' => return None,
                        '\\' => match chars.next()? {
                            c @ ('$' | '`' | '"' | '\\') => w.push(c),
                            '\n' => {}
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => match chars.next()? {
                '\n' => {}
                c => word.get_or_insert_with(String::new).push(c),
            },
            '$' | '`' | '*' | '?' | '[' | ';' | '&' | '|' | '<' | '>' | '(' | ')' | '~' => return None,
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(word);
    Some(out)
}

/// Drop ezjail's `ROOTDIR.device ROOTDIR` line from the jail's fstab: `mount.fstab`
/// becomes one `mount +=` entry for each other line (jail(8) cuts fstab lines at `#`,
/// config.c check_intparams), or goes when none is left. Nothing changes when the
/// fstab has no such line.
fn device_line(loader: &Loader, block: &mut Block<'_>, rootdir: &str) {
    let Some(at) = block
        .lines
        .iter()
        .position(|l| !l.is_var && l.name == "mount.fstab")
    else {
        return;
    };
    let Some(path) = block.lines[at].values.iter().next().map(|v| v.to_string()) else {
        return;
    };
    let Ok(text) = std::fs::read(loader.real_path(&path)) else {
        return;
    };
    let text = String::from_utf8_lossy(&text);
    let device = format!("{rootdir}.device");
    let mut device_seen = false;
    let mut entries: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split(crate::fstab::COMMENT).next().unwrap_or("");
        let f: Vec<&str> = crate::fstab::fields(line).collect();
        if f.is_empty() {
            continue;
        }
        if f.len() >= 2 && f[0] == device && f[1] == rootdir {
            device_seen = true;
            continue;
        }
        entries.push(f.join(" "));
    }
    if !device_seen {
        return;
    }
    let old = block.lines.remove(at);
    for (k, e) in entries.into_iter().enumerate() {
        block.lines.insert(
            at + k,
            Line {
                name: Cow::Borrowed("mount"),
                is_var: false,
                op: Op::Append,
                values: Few::One(Cow::Owned(e)),
                from: old.from.clone(),
            },
        );
    }
}

/// The per-jail variables ezjail itself reads (ezjail.sh:71-76, 113-114; ezjail-admin
/// `writejailinfo`), which rc.d/jail never does.
const SUFFIXES: &[&str] = &[
    "image",
    "imagetype",
    "attachparams",
    "attachblocking",
    "forceblocking",
    "zfs_datasets",
    "cpuset",
    "parentzfs",
    "post_start_script",
    "retention_policy",
];

/// For ezjail's jails: no "never read by rc.d/jail" warning about ezjail's own
/// variables (ezjail reads them), and a warning for the two it applies after the
/// start, which a jail.conf block does not carry. For every jail ezjail starts
/// (`all`), no "belongs to no converted jail" when converting named jails: ezjail
/// reads those variables, whatever jail_list says.
pub(super) fn own_variables(vars: &RcVars, names: &[String], all: &[String], warnings: &mut Vec<Diag>) {
    let started: Vec<String> = all
        .iter()
        .map(|n| format!("jail_{}_", super::var_infix(n)))
        .collect();
    warnings.retain(|w| {
        !(w.message.ends_with(" belongs to no converted jail")
            && started.iter().any(|p| w.message.starts_with(p.as_str())))
    });
    let quiet: Vec<String> = names
        .iter()
        .flat_map(|n| {
            let jv = super::var_infix(n);
            SUFFIXES
                .iter()
                .map(move |s| format!("jail_{jv}_{s} is never read by rc.d/jail"))
        })
        .collect();
    warnings.retain(|w| !quiet.iter().any(|q| w.message.starts_with(q.as_str())));
    for n in names {
        let jv = super::var_infix(n);
        for (s, what) in [
            ("zfs_datasets", "`zfs jail JID DATASET` (ezjail.sh:117-119)"),
            ("cpuset", "`cpuset -l LIST -j JID` (ezjail.sh:122)"),
        ] {
            let name = format!("jail_{jv}_{s}");
            if let Some(v) = vars.vars.get(name.as_str()).filter(|v| !v.value.is_empty()) {
                warnings.push(
                    Diag::warning(Some(v.loc.clone()), format!("{name}=\"{}\" is not converted", v.value))
                        .with_note(format!("ezjail runs {what} after the jail starts; jail.conf has no such parameter (use exec.poststart)")),
                );
            }
        }
    }
}

/// The per-jail file ezjail.sh starts jail `name` from (`/usr/local/etc/ezjail/NAME`),
/// None when ezjail is off, the file is absent, or `NAME.norun` disables it
/// (ezjail.sh:58-66).
pub fn config_file(vars: &RcVars, loader: &Loader, name: &str) -> Option<String> {
    if vars.named_files
        || vars.get("ezjail_enable").and_then(yesno) != Some(true)
        || name.contains(['.', '/'])
    {
        return None;
    }
    let f = format!("{DIR}/{name}");
    let is_file = |p: &str| std::fs::metadata(loader.real_path(p)).is_ok_and(|m| m.is_file());
    (is_file(&f) && !is_file(&format!("{f}.norun"))).then_some(f)
}

/// Whether ezjail attaches an image for the jail (`jail_NAME_image`, ezjail.sh:96).
pub fn has_image(vars: &RcVars, jv: &str) -> bool {
    vars.get(&format!("jail_{jv}_image"))
        .is_some_and(|v| !v.is_empty())
}

/// The names of the jails ezjail starts (`list` without its warnings).
pub fn jails(vars: &RcVars, loader: &Loader) -> Vec<String> {
    list(vars, loader, &mut Vec::new()).names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What ezjail-admin writes for `-C "-P -K /root/k"` (ezjail-admin:352-366), and
    /// getopt's ways of spelling the same.
    #[test]
    fn eli_keyfiles() {
        assert_eq!(eli_keyfile("-p -k '/root/k' "), Ok("/root/k".to_owned()));
        assert_eq!(eli_keyfile("-pk/root/k"), Ok("/root/k".to_owned()));
        assert_eq!(eli_keyfile("-d -k \"/root/a b\" -p"), Ok("/root/a b".to_owned()));
        let err = |p: &str| eli_keyfile(p).unwrap_err();
        assert!(err("-k '/root/k' ").starts_with("needs a passphrase"));
        assert!(err("-p -j /root/pass -k /root/k").starts_with("needs a passphrase"));
        assert!(err("-p").starts_with("has no keyfile"));
        assert!(err("-p -k /a -k /b").starts_with("attaches with several keyfiles"));
        assert_eq!(err("-p -r -k /a"), "attaches with -r");
        assert!(err("-p -k $KEY").starts_with("has attach parameters jailvol cannot read"));
        assert!(err("-p -k '/a").starts_with("has attach parameters jailvol cannot read"));
    }

    /// A --root tree with /etc/defaults and ezjail's directory (returned).
    fn host_root() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let ez = dir.path().join("usr/local/etc/ezjail");
        std::fs::create_dir_all(&ez).unwrap();
        std::fs::create_dir_all(dir.path().join("etc/defaults")).unwrap();
        (dir, ez)
    }

    /// One run reads each per-jail file once: the listing (rcorder's headers) sees the
    /// text the rc.conf evaluation sourced, even when the file changed in between.
    #[test]
    fn the_listing_reads_what_load_host_sourced() {
        let (dir, ez) = host_root();
        std::fs::write(dir.path().join("etc/rc.conf"), "ezjail_enable=YES\n").unwrap();
        let file = |name: &str, req: &str| {
            format!(
                "# PROVIDE: {name}\n# REQUIRE: {req}\nexport jail_{name}_hostname={name}\n\
                 export jail_{name}_rootdir=/usr/jails/{name}\n"
            )
        };
        std::fs::write(ez.join("a"), file("a", "b")).unwrap();
        std::fs::write(ez.join("b"), file("b", "")).unwrap();
        let loader = Loader::new(Some(dir.path().to_owned()));
        let (vars, _) = crate::parse::rcconf::load_host(&loader, &Default::default()).unwrap();
        // After the evaluation: a now needs nothing, b needs a (the order would flip).
        std::fs::write(ez.join("a"), file("a", "")).unwrap();
        std::fs::write(ez.join("b"), file("b", "a")).unwrap();
        assert_eq!(jails(&vars, &loader), ["b", "a"]);
        // A new run reads the files anew.
        let fresh = Loader::new(Some(dir.path().to_owned()));
        assert_eq!(jails(&vars, &fresh), ["a", "b"]);
    }

    /// rc.d/jail sources rc.conf again after ezjail exported a per-jail file's variables
    /// (ezjail.sh runs `sh /etc/rc.d/jail onestart NAME`; rc.subr's load_rc_config):
    /// a variable both set is rc.conf's, one only the per-jail file sets is the file's.
    #[test]
    fn rc_conf_wins_over_a_per_jail_file() {
        let (dir, ez) = host_root();
        std::fs::write(
            dir.path().join("etc/defaults/rc.conf"),
            "jail_x_flags=\"-l -U root\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("etc/rc.conf"),
            "ezjail_enable=YES\njail_x_rootdir=/from/rc.conf\n",
        )
        .unwrap();
        std::fs::write(
            ez.join("x"),
            "export jail_x_hostname=x\nexport jail_x_rootdir=/usr/jails/x\nexport jail_x_flags=-n\n\
             export jail_x_ip=192.0.2.1\nexport jail_x_ip=192.0.2.2\n",
        )
        .unwrap();
        let loader = Loader::new(Some(dir.path().to_owned()));
        let (vars, _) = crate::parse::rcconf::load_host(&loader, &Default::default()).unwrap();
        assert_eq!(vars.get("jail_x_rootdir"), Some("/from/rc.conf"));
        assert_eq!(vars.get("jail_x_hostname"), Some("x"));
        assert_eq!(vars.get("jail_x_ip"), Some("192.0.2.2"));
        // A default holds too (load_rc_config reads /etc/defaults/rc.conf first); it stays
        // out of the listing, as every default the admin did not set.
        assert_eq!(vars.get("jail_x_flags"), None);
    }
}
