//! rc.d/jail's address handling, `jail_handle_ips_option` and `jail_extract_address`
//! (libexec/rc/rc.d/jail @c96d5c97), without the shell's word splitting: a value with
//! whitespace is rejected before it gets here (see `super::convert`).

/// Address family as rc.d/jail guesses it from the shape of the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `ip4.addr`: the address has at least three dots (`*\.*\.*\.*`), tested first.
    Inet,
    /// `ip6.addr`: otherwise, the address has a colon (`*:*`).
    Inet6,
}

impl Family {
    pub fn param(self) -> &'static str {
        match self {
            Family::Inet => "ip4.addr",
            Family::Inet6 => "ip6.addr",
        }
    }
}

/// One converted address: the text of `ip4.addr += "..."` or `ip6.addr += "..."`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    pub family: Family,
    pub value: String,
    /// The interface came from `jail_<jv>_interface` / `jail_interface`.
    pub default_iface: bool,
}

/// Why an item of the list gave no address. rc.d/jail drops such items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// An empty item (`a,,b` or a leading comma).
    Empty,
    /// Neither three dots nor a colon: `jail_extract_address: type not identified`.
    Type(String),
}

/// jail_handle_ips_option: the comma-separated items, in order. A trailing comma adds
/// no item (the loop stops when nothing is left); a leading or doubled one adds an
/// empty item.
pub fn items(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        match rest.find(',') {
            Some(p) => {
                out.push(&rest[..p]);
                rest = &rest[p + 1..];
            }
            None => {
                out.push(rest);
                rest = "";
            }
        }
    }
    out
}

/// jail_extract_address for one item `[iface|]addr[/prefix | /a.b.c.d]`; `defif` is the
/// jail's default interface (may be empty).
pub fn extract(item: &str, defif: &str) -> Result<Addr, Dropped> {
    if item.is_empty() {
        // rc.d/jail calls `jail_extract_address $_i $_defif` unquoted: an empty item
        // shifts the interface name into the address slot, which then fails to be
        // identified (or, with no interface, "called without input"). Either way
        // nothing is emitted.
        return Err(Dropped::Empty);
    }
    // _iface=${_i%%|*} (before the first `|`), _r=${_i##*|} (after the last one).
    let (iface, r) = match (item.find('|'), item.rfind('|')) {
        (Some(first), Some(last)) => (&item[..first], &item[last + 1..]),
        _ => ("", item),
    };
    // _iface=${_iface:-${_interface}}
    let (iface, default_iface) = if iface.is_empty() {
        (defif, !defif.is_empty())
    } else {
        (iface, false)
    };
    // _addr=${_r%%[/ ]*}; _mask is what follows the address.
    let cut = r.find(['/', ' ']).unwrap_or(r.len());
    let (addr, mask) = r.split_at(cut);
    let family = if addr.matches('.').count() >= 3 {
        Family::Inet
    } else if addr.contains(':') {
        Family::Inet6
    } else {
        return Err(Dropped::Type(addr.to_owned()));
    };
    let mask = match family {
        // /a.b.c.d → " netmask a.b.c.d"; no mask → /32.
        Family::Inet if mask.starts_with('/') && mask.matches('.').count() >= 3 => {
            format!(" netmask {}", &mask[1..])
        }
        Family::Inet if mask.is_empty() => "/32".to_owned(),
        Family::Inet6 if mask.is_empty() => "/128".to_owned(),
        _ => mask.to_owned(),
    };
    let mut value = String::with_capacity(iface.len() + 1 + addr.len() + mask.len());
    if !iface.is_empty() {
        value.push_str(iface);
        value.push('|');
    }
    value.push_str(addr);
    value.push_str(&mask);
    Ok(Addr {
        family,
        value,
        default_iface,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(item: &str, defif: &str) -> String {
        match extract(item, defif) {
            Ok(a) => format!("{} {}", a.family.param(), a.value),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn items_like_the_expr_loop() {
        assert_eq!(items("a,b"), ["a", "b"]);
        assert_eq!(items("a,"), ["a"]);
        assert_eq!(items(",a"), ["", "a"]);
        assert_eq!(items("a,,b"), ["a", "", "b"]);
        assert!(items("").is_empty());
    }

    #[test]
    fn masks_and_defaults() {
        assert_eq!(v("10.0.0.1", ""), "ip4.addr 10.0.0.1/32");
        assert_eq!(v("10.0.0.1/24", ""), "ip4.addr 10.0.0.1/24");
        assert_eq!(
            v("10.0.0.1/255.255.255.0", ""),
            "ip4.addr 10.0.0.1 netmask 255.255.255.0"
        );
        assert_eq!(v("2001:db8::1", ""), "ip6.addr 2001:db8::1/128");
        assert_eq!(v("2001:db8::1/64", ""), "ip6.addr 2001:db8::1/64");
        // An IPv6 mask is never rewritten, whatever it looks like.
        assert_eq!(v("::1/1.2.3.4", ""), "ip6.addr ::1/1.2.3.4");
    }

    #[test]
    fn interfaces() {
        assert_eq!(v("10.0.0.1", "em0"), "ip4.addr em0|10.0.0.1/32");
        assert_eq!(v("lo1|10.0.0.1", "em0"), "ip4.addr lo1|10.0.0.1/32");
        assert_eq!(v("|10.0.0.1", "em0"), "ip4.addr em0|10.0.0.1/32");
        // First `|` ends the interface, the last one starts the address.
        assert_eq!(v("a|b|10.0.0.1", ""), "ip4.addr a|10.0.0.1/32");
        assert!(extract("10.0.0.1", "em0").is_ok_and(|a| a.default_iface));
        assert!(extract("lo1|10.0.0.1", "em0").is_ok_and(|a| !a.default_iface));
    }

    #[test]
    fn types_by_shape() {
        // Three dots win over a colon: an IPv4-mapped address is taken as inet.
        assert_eq!(v("::ffff:10.0.0.1", ""), "ip4.addr ::ffff:10.0.0.1/32");
        assert_eq!(v("10.0.0", ""), "Type(\"10.0.0\")");
        assert_eq!(v("em0|", ""), "Type(\"\")");
        assert_eq!(v("/24", ""), "Type(\"\")");
        assert_eq!(v("", "em0"), "Empty");
    }
}
