//! Which word is a jail, from the command line's definitions.

use super::*;

fn slot(line: &str) -> Option<Slot> {
    let words: Vec<String> = split_line(line);
    classify(&built(), &words)
}

fn jail(all: bool, global: &[&str]) -> Option<Slot> {
    Some(Slot::Jail {
        all,
        global: global.iter().map(|s| s.to_string()).collect(),
    })
}

#[test]
fn jail_positions_follow_each_commands_arguments() {
    assert_eq!(slot("jailvol create "), jail(false, &[]));
    assert_eq!(slot("jailvol create a b w"), jail(false, &[]));
    assert_eq!(slot("jailvol status --check "), jail(false, &[]));
    assert_eq!(slot("jailvol migrate "), jail(false, &[]));
    // migrate and grow take one jail; grow's second word is the size.
    assert_eq!(slot("jailvol migrate www "), None);
    assert_eq!(slot("jailvol grow "), jail(false, &[]));
    assert_eq!(slot("jailvol grow www "), None);
    // convert's names are any rc.conf jail, not only managed ones.
    assert_eq!(slot("jailvol convert "), jail(true, &[]));
    assert_eq!(slot("jailvol show "), None);
    assert_eq!(slot("jailvol generate "), None);
}

#[test]
fn options_and_their_values_are_not_jails() {
    assert_eq!(slot("jailvol create -"), None);
    assert_eq!(slot("jailvol create --fr"), None);
    assert_eq!(slot("jailvol create --from "), None);
    assert_eq!(slot("jailvol -f "), None);
    assert_eq!(slot("jailvol create --from /src "), jail(false, &[]));
    assert_eq!(slot("jailvol create --from=/src "), jail(false, &[]));
    assert_eq!(slot("jailvol create -n --via makefs "), jail(false, &[]));
    assert_eq!(slot("jailvol create -- -odd"), jail(false, &[]));
    assert_eq!(slot("jailvol nosuch "), None);
    assert_eq!(slot("jailvol create --nosuch "), None);
}

#[test]
fn global_options_say_where_the_configuration_is() {
    assert_eq!(
        slot("jailvol -f /x/jail.conf --root /r status -q --jail-conf -f/y "),
        jail(
            false,
            &["-f", "/x/jail.conf", "--root", "/r", "-q", "--jail-conf", "-f/y"]
        )
    );
    assert_eq!(slot("jailvol --root=/r grow "), jail(false, &["--root=/r"]));
}

#[test]
fn before_the_command_the_command() {
    assert_eq!(slot("jailvol "), Some(Slot::Command));
    assert_eq!(slot("jailvol -f x cr"), Some(Slot::Command));
    assert_eq!(slot("jailvol --color "), None);
}

#[test]
fn tcsh_line_splitting_keeps_the_empty_word() {
    assert_eq!(split_line("jailvol create "), ["jailvol", "create", ""]);
    assert_eq!(split_line("jailvol cr"), ["jailvol", "cr"]);
}

#[test]
fn standard_input_is_never_read() {
    assert!(jail_names(&["-f".into(), "-".into()], false).is_empty());
    assert!(jail_names(&["--file=-".into()], true).is_empty());
}
