//! `ip4.addr`/`ip6.addr` as jail(8) reads them: the addresses it hands the kernel
//! (JV010 compares them between jails) and whether `inet_pton(3)` accepts each one
//! (JV030). jail(8) checks the addresses before it creates the jail, whatever `ip4`/`ip6`
//! say (`ip4 = disable;` does not spare a bad `ip4.addr`): `config.c` `check_intparams`
//! strips them, `import_params` joins a list with commas, and libjail's
//! `jailparam_import` splits that at every comma and parses each piece with inet_pton.

/// The address family of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// The family of `ip4.addr` / `ip6.addr`.
    pub fn of(param: &str) -> Family {
        if param == "ip6.addr" {
            Family::V6
        } else {
            Family::V4
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// What jail(8) keeps of one value (`usr.sbin/jail/config.c` `check_intparams`): the
/// text after the first `|` (the interface), then before the first `/` (the mask), then
/// before the first blank (ifconfig arguments: only a space, not a tab).
pub fn strip(v: &str) -> &str {
    let v = v.split_once('|').map_or(v, |(_, a)| a);
    let v = v.split_once('/').map_or(v, |(a, _)| a);
    v.split_once(' ').map_or(v, |(a, _)| a)
}

/// The addresses jail(8) passes to inet_pton for a parameter with `values`, each
/// `strip`ped: `import_params` uses a lone value as it is and joins several with `,`;
/// `lib/libjail/jail.c` `jailparam_import` takes an empty or `-` value as no address
/// at all, and otherwise splits at every `,` (so `"a,b"` is two addresses and an empty
/// value among several is an empty address, which inet_pton refuses).
pub fn addresses<'v>(values: impl ExactSizeIterator<Item = &'v str>) -> impl Iterator<Item = &'v str> {
    let lone = values.len() == 1;
    values
        .map(strip)
        .filter(move |v| !(lone && (v.is_empty() || *v == "-")))
        .flat_map(|v| v.split(','))
}

/// Why inet_pton(3) refuses `addr` for `family`, None when it accepts it. The rules are
/// FreeBSD's `lib/libc/inet/inet_pton.c` (`inet_pton4`, `inet_pton6`), which differ from
/// Rust's parsers in the corners (tested below).
pub fn invalid(family: Family, addr: &str) -> Option<String> {
    let why = match family {
        Family::V4 => pton4(addr.as_bytes()),
        Family::V6 => pton6(addr.as_bytes()),
    }
    .err()?;
    // `[busybox-ip]`, `{{ip}}`, `<ip>`: a template left unfilled, not a typo.
    let placeholder = addr.contains(['[', '{', '<']) && !addr.contains(':');
    let hint = if placeholder {
        ": an unfilled template placeholder?"
    } else {
        ""
    };
    // jail(8)'s own words (`jailparam_import`), then why.
    Some(format!("not an {} address: {addr} ({why}{hint})", family.name()))
}

/// `inet_pton4`: exactly four dot-separated decimal octets, each at most 255, without
/// a leading zero (`01`), nothing else (no hex, no shorthand like `10.1`).
fn pton4(s: &[u8]) -> Result<(), String> {
    if s.is_empty() {
        return Err("empty".into());
    }
    let mut octets = 0;
    let mut cur: Option<u32> = None;
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            let d = u32::from(c - b'0');
            cur = match cur {
                Some(0) => return Err(format!("octet {} has a leading zero", octet_text(s, start))),
                Some(n) if n * 10 + d > 255 => {
                    return Err(format!("octet {} is over 255", octet_text(s, start)));
                }
                Some(n) => Some(n * 10 + d),
                None => {
                    octets += 1;
                    if octets > 4 {
                        return Err("more than four octets".into());
                    }
                    start = i;
                    Some(d)
                }
            };
        } else if c == b'.' && cur.is_some() {
            if octets == 4 {
                return Err("more than four octets".into());
            }
            cur = None;
        } else if c == b'.' {
            return Err("an empty octet".into());
        } else {
            return Err(format!("{} is not a digit or '.'", char_at(s, i)));
        }
    }
    if cur.is_none() {
        return Err("an empty octet".into());
    }
    if octets < 4 {
        return Err(format!("{octets} octets, not four"));
    }
    Ok(())
}

/// The digits of the octet starting at `start`.
fn octet_text(s: &[u8], start: usize) -> String {
    let n = s[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    String::from_utf8_lossy(&s[start..start + n]).into_owned()
}

/// The character at byte `i`, quoted, for messages.
fn char_at(s: &[u8], i: usize) -> String {
    let rest = String::from_utf8_lossy(&s[i..]);
    match rest.chars().next() {
        Some(c) if !c.is_control() => format!("'{c}'"),
        _ => format!("byte {:#04x}", s[i]),
    }
}

/// `inet_pton6`: up to eight groups of one to four hex digits separated by `:`, one
/// `::` standing for one or more zero groups, optionally ending in a dotted quad that
/// `inet_pton4` accepts (as two groups). No zone (`%em0`), no brackets.
fn pton6(s: &[u8]) -> Result<(), String> {
    const GROUPS: usize = 8;
    if s.is_empty() {
        return Err("empty".into());
    }
    let mut i = 0;
    // A leading `:` must be half of `::`.
    if s[0] == b':' {
        if s.get(1) != Some(&b':') {
            return Err("a single ':' at the start".into());
        }
        i = 1;
    }
    let mut groups = 0; // 16-bit groups written so far
    let mut gap = false; // a `::` seen
    let mut digits = 0;
    let mut token = i;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_hexdigit() {
            digits += 1;
            if digits > 4 {
                return Err("a group of more than four hex digits".into());
            }
            continue;
        }
        if c == b':' {
            token = i;
            if digits == 0 {
                if gap {
                    return Err("more than one '::'".into());
                }
                gap = true;
                continue;
            }
            if i == s.len() {
                return Err("a single ':' at the end".into());
            }
            if groups == GROUPS {
                return Err("more than eight groups".into());
            }
            groups += 1;
            digits = 0;
            continue;
        }
        if c == b'.' && groups + 2 <= GROUPS && pton4(&s[token..]).is_ok() {
            groups += 2;
            digits = 0;
            break;
        }
        if c == b'.' {
            let tail = String::from_utf8_lossy(&s[token..]).into_owned();
            return Err(match pton4(&s[token..]) {
                Err(why) => format!("the IPv4 part {tail}: {why}"),
                Ok(()) => format!("the IPv4 part {tail} makes more than eight groups"),
            });
        }
        return Err(format!("{} is not a hex digit, ':' or '.'", char_at(s, i - 1)));
    }
    if digits > 0 {
        if groups == GROUPS {
            return Err("more than eight groups".into());
        }
        groups += 1;
    }
    match (gap, groups) {
        (true, GROUPS) => Err("'::' with eight groups besides".into()),
        (true, _) | (false, GROUPS) => Ok(()),
        (false, n) => Err(format!("{n} groups, not eight, and no '::'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok4(s: &str) -> bool {
        pton4(s.as_bytes()).is_ok()
    }
    fn ok6(s: &str) -> bool {
        pton6(s.as_bytes()).is_ok()
    }

    /// inet_pton.c's inet_pton4, case by case: where Rust's `Ipv4Addr` parser agrees
    /// and where it does not.
    #[test]
    fn ipv4_follows_freebsds_inet_pton4() {
        for good in ["0.0.0.0", "192.0.2.1", "255.255.255.255", "10.0.0.0"] {
            assert!(ok4(good), "{good}");
        }
        for bad in [
            "",
            "999.1.1.1",
            "256.0.0.0",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "01.2.3.4",
            "1.2.3.00",
            "0x1.2.3.4",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.-4",
            "[busybox-ip]",
            "1.2.3.4\t",
            "１.2.3.4",
        ] {
            assert!(!ok4(bad), "{bad:?}");
        }
        // Rust's parser agrees on these corners (leading zeros included): the port is
        // checked against it over a grid of inputs.
        let parts = ["0", "1", "00", "01", "255", "256", "", "a", "1000"];
        for a in parts {
            for b in parts {
                for c in ["0", "9", "09", ""] {
                    let s = format!("{a}.{b}.{c}.1");
                    assert_eq!(ok4(&s), s.parse::<std::net::Ipv4Addr>().is_ok(), "{s}");
                }
            }
        }
    }

    #[test]
    fn ipv6_follows_freebsds_inet_pton6() {
        for good in [
            "::",
            "::1",
            "1::",
            "2001:db8::1",
            "2001:DB8:0:0:0:0:0:1",
            "1:2:3:4:5:6:7:8",
            "::ffff:192.0.2.1",
            "1:2:3:4:5:6:1.2.3.4",
            "::1.2.3.4",
            "1::1.2.3.4",
            "fe80::",
            "0:0:0:0:0:0:0:0",
        ] {
            assert!(ok6(good), "{good}");
        }
        for bad in [
            "",
            "zz::1",
            ":",
            ":1::",
            "1:",
            ":::",
            "1::2::3",
            "12345::",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::8",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::01.2.3.4",
            "::1.2.3",
            "fe80::1%em0",
            "[2001:db8::1]",
            "192.0.2.1",
            "1:2:3:4:5:6:7:8:",
        ] {
            assert!(!ok6(bad), "{bad:?}");
        }
    }

    /// Against Rust's `Ipv6Addr` over every string of up to five pieces: on these
    /// (hex groups of every length, `::`, an IPv4 tail, stray dots) the two agree; the
    /// port stays on FreeBSD's code rather than on a parser that may change.
    #[test]
    fn ipv6_agrees_with_rust_on_every_short_string() {
        let alphabet = ["1", "ab", ":", "::", "1.2.3.4", "ffff", "12345", ".", "0", "g"];
        let mut strings = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(last.iter().cloned());
        }
        let mut valid = 0;
        for s in &strings {
            let rust = s.parse::<std::net::Ipv6Addr>().is_ok();
            assert_eq!(ok6(s), rust, "{s:?}");
            valid += usize::from(rust);
        }
        assert!(
            strings.len() > 100_000 && valid > 1_000,
            "{} strings, {valid} valid",
            strings.len()
        );
    }

    #[test]
    fn jail8_strips_interface_mask_and_arguments() {
        assert_eq!(strip("em0|192.0.2.1/24"), "192.0.2.1");
        assert_eq!(strip("192.0.2.1 netmask 255.255.255.0"), "192.0.2.1");
        // The first `|`, as strchr finds it: what follows still has the second.
        assert_eq!(strip("a|b|192.0.2.1"), "b|192.0.2.1");
        assert_eq!(strip("192.0.2.1\tx"), "192.0.2.1\tx");
        fn all<'a>(v: &[&'a str]) -> Vec<&'a str> {
            addresses(v.iter().copied()).collect()
        }
        assert_eq!(all(&["1.2.3.4,5.6.7.8"]), ["1.2.3.4", "5.6.7.8"]);
        assert_eq!(all(&[""]), Vec::<&str>::new());
        assert_eq!(all(&["-"]), Vec::<&str>::new());
        assert_eq!(all(&["em0|"]), Vec::<&str>::new());
        assert_eq!(all(&["1.2.3.4", ""]), ["1.2.3.4", ""]);
        assert_eq!(all(&["1.2.3.4", "-"]), ["1.2.3.4", "-"]);
    }

    #[test]
    fn messages_say_why() {
        let m = |f, s| invalid(f, s).unwrap_or_default();
        assert_eq!(
            m(Family::V4, "999.1.1.1"),
            "not an IPv4 address: 999.1.1.1 (octet 999 is over 255)"
        );
        assert_eq!(
            m(Family::V4, "[busybox-ip]"),
            "not an IPv4 address: [busybox-ip] ('[' is not a digit or '.': an unfilled template placeholder?)"
        );
        assert_eq!(
            m(Family::V4, "10.1"),
            "not an IPv4 address: 10.1 (2 octets, not four)"
        );
        assert_eq!(
            m(Family::V4, "10.01.1.1"),
            "not an IPv4 address: 10.01.1.1 (octet 01 has a leading zero)"
        );
        assert_eq!(
            m(Family::V6, "zz::1"),
            "not an IPv6 address: zz::1 ('z' is not a hex digit, ':' or '.')"
        );
        assert_eq!(
            m(Family::V6, "[2001:db8::1]"),
            "not an IPv6 address: [2001:db8::1] ('[' is not a hex digit, ':' or '.')"
        );
        assert_eq!(m(Family::V4, ""), "not an IPv4 address:  (empty)");
        assert_eq!(invalid(Family::V6, "2001:db8::1"), None);
    }
}
