#!/bin/sh
# Fill fuzz/corpus/<target>/ with seed inputs from the fixtures and the shared corpus of
# real configurations (../shared/corpus beside the repository, when present).
# fuzz/corpus is git-ignored; run this before `cargo +nightly fuzz run TARGET`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
shared=${JAILVOL_SHARED_CORPUS:-$repo/../shared/corpus}
c=$here/corpus
mkdir -p "$c/jailconf" "$c/rcconf" "$c/fstab"

n=0
seed() { # target file
	[ -f "$2" ] || return 0
	# Name seeds by content so reruns do not duplicate them.
	sum=$(sha1sum < "$2" | cut -c1-16)
	cp "$2" "$c/$1/seed-$sum"
	n=$((n + 1))
}

for f in "$repo"/fixtures/jailconf/*/input.conf "$repo"/fixtures/legacy/*/convert.conf \
	"$repo"/fixtures/check/*/input/etc/jail.conf "$repo"/fixtures/generate/*/input/etc/jail.conf; do
	seed jailconf "$f"
done
for f in "$repo"/fixtures/rcconf/*/rc.conf "$repo"/fixtures/legacy/*/rc.conf; do
	seed rcconf "$f"
done
for f in $(find "$repo/fixtures" -name '*fstab*' -type f); do
	seed fstab "$f"
done
for d in jailconf rcconf fstab; do
	for f in "$here"/regressions/$d/*; do
		case "$f" in */README.md) continue ;; esac
		seed "$d" "$f"
	done
done
if [ -d "$shared" ]; then
	for f in "$shared"/*; do
		case "$f" in
		*/SOURCES.md) ;;
		*fstab*) seed fstab "$f" ;;
		*rc.conf* | *rcjail*) seed rcconf "$f" ;;
		*) seed jailconf "$f" ;;
		esac
	done
else
	echo "seed.sh: no shared corpus at $shared; fixtures only" >&2
fi
for d in jailconf rcconf fstab; do
	echo "$d: $(ls "$c/$d" | wc -l) seeds"
done
