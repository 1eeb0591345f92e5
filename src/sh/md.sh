# The units backed by FILE, one number a line. `mdconfig -l -v` prints
# "mdN<tab>TYPE<tab>SIZE<tab>FILE" per unit (sbin/mdconfig/mdconfig.c md_list), FILE
# being the realpath(3) mdconfig stored at attach (md_set_file): compare it with
# FILE's realpath, or a container reached through a symbolic link is never found.
jv_units_of() {
	jv_real=$(realpath "$1" 2>/dev/null) || jv_real=$1
	mdconfig -l -v | while IFS="$jv_tab" read -r jv_n jv_t _ jv_f _; do
		if [ "$jv_t" = vnode ] && [ "$jv_f" = "$jv_real" ]; then
			printf '%s\n' "${jv_n#md}"
		fi
	done
}

# Whether mdUNIT exists at all, whatever backs it.
jv_unit_exists() {
	jv_hit=$(mdconfig -l -v | while IFS="$jv_tab" read -r jv_n _; do
		if [ "$jv_n" = "md$1" ]; then echo yes; fi
	done)
	[ -n "$jv_hit" ]
}

# Attach FILE as mdUNIT unless it already is.
jv_attach() {
	[ -f "$2" ] || jv_die "container $2 does not exist (jailvol create makes it)"
	jv_have=no
	for jv_u in $(jv_units_of "$2"); do
		if [ "$jv_u" = "$1" ]; then
			jv_have=yes
		else
			# The same file under another unit would be two writers on one UFS.
			mdconfig -d -u "$jv_u" || jv_die "$2 is attached as md$jv_u and cannot be detached"
		fi
	done
	if [ "$jv_have" = no ]; then
		if jv_unit_exists "$1"; then
			jv_die "md$1 is attached to another file, not $2"
		fi
		mdconfig -a -t vnode -f "$2" -u "$1"
	fi
}

# Whether mdUNIT.eli exists: geom(8) `list NAME` fails for a geom that does not exist
# (and when the ELI class is not loaded at all, which means the same).
jv_geli_attached() {
	geli list "md$1.eli" >/dev/null 2>&1
}

# Attach geli on mdUNIT with KEYFILE unless mdUNIT.eli exists: the keyfile alone, never
# a passphrase prompt (-p; sbin/geom/class/eli/geom_eli.c eli_genkey_passphrase).
jv_geli_attach() {
	if ! jv_geli_attached "$1"; then
		[ -r "$2" ] || jv_die "keyfile $2 cannot be read: md$1 stays attached without geli"
		geli attach -p -k "$2" "md$1" || jv_die "geli attach -p -k $2 md$1 failed"
	fi
}

# Detach mdUNIT.eli if it exists: md(4) cannot detach a unit geli holds open.
jv_geli_detach() {
	if jv_geli_attached "$1"; then
		geli detach "md$1.eli"
	fi
}

# Where DEVICE (/dev/mdN or /dev/mdN.eli) is mounted, as `mount -p` prints it
# (sbin/mount/mount.c putfsent: the device, then tabs or one space, then the mount
# point), or nothing.
jv_mounted() {
	mount -p | while read -r jv_d jv_rest; do
		if [ "$jv_d" = "$1" ]; then
			printf '%s\n' "$jv_rest"
		fi
	done
}

