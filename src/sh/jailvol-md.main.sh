jv_fsck() {
	# fsck_ffs cannot check a file system mounted read-write ("NO WRITE ACCESS"): say
	# where it still is instead (a stop that failed half-way leaves it mounted).
	jv_where=$(jv_mounted "$1")
	if [ -n "$jv_where" ]; then
		jv_die "$1 is still mounted ($jv_where): unmount it, then start the jail again"
	fi
	fsck -t ufs -p "$1" || jv_die "fsck of $1 failed: not mounting"
}

case "${1:-}" in
attach)
	shift
	jv_key=""
	if [ "${1:-}" = -k ] && [ $# -ge 2 ]; then
		jv_key=$2
		shift 2
	fi
	[ $# -eq 2 ] || jv_die "usage: jailvol-md attach [-k KEYFILE] UNIT FILE"
	jv_attach "$1" "$2"
	if [ -n "$jv_key" ]; then
		# md first, then geli on it; the file system is on mdUNIT.eli.
		jv_geli_attach "$1" "$jv_key"
		jv_fsck "/dev/md$1.eli"
	else
		jv_fsck "/dev/md$1"
	fi
	;;
detach)
	[ $# -eq 2 ] || jv_die "usage: jailvol-md detach FILE"
	for jv_u in $(jv_units_of "$2"); do
		jv_geli_detach "$jv_u"
		mdconfig -d -u "$jv_u"
	done
	;;
*)
	jv_opts=""
	jv_file=""
	while getopts o:PF: jv_opt; do
		case "$jv_opt" in
		o) jv_opts="${jv_opts:+$jv_opts,}$OPTARG" ;;
		P) ;;
		F) jv_file=$OPTARG ;;
		*) jv_die "usage: jailvol-md [-o OPTS] [-P] -F FILE DEVICE MOUNTPOINT" ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 2 ] || jv_die "usage: jailvol-md [-o OPTS] [-P] -F FILE DEVICE MOUNTPOINT"
	[ -n "$jv_file" ] || jv_die "-F FILE is required"
	case "$1" in
	md | /dev/md) jv_unit="" ;;
	/dev/md*) jv_unit=${1#/dev/md} ;;
	md*) jv_unit=${1#md} ;;
	*) jv_die "device $1 is not an md unit" ;;
	esac
	case "$jv_unit" in
	*[!0-9]*) jv_die "device $1 is not an md unit" ;;
	esac
	if [ -z "$jv_unit" ]; then
		# Any unit (the seed recipe's device "md"): reuse the one holding FILE.
		for jv_u in $(jv_units_of "$jv_file"); do
			jv_unit=$jv_u
		done
		if [ -z "$jv_unit" ]; then
			[ -f "$jv_file" ] || jv_die "container $jv_file does not exist"
			jv_unit=$(mdconfig -a -t vnode -f "$jv_file" -n)
		fi
	else
		jv_attach "$jv_unit" "$jv_file"
	fi
	jv_fsck "/dev/md$jv_unit"
	# Options are what mount(8) collected from the fstab line (rw, ro, noatime...).
	if [ -n "$jv_opts" ]; then
		mount -t ufs -o "$jv_opts" "/dev/md$jv_unit" "$2"
	else
		mount -t ufs "/dev/md$jv_unit" "$2"
	fi
	;;
esac
