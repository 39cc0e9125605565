#!/bin/sh
# bench.sh - how fast is wimpatch on a larger install.wim?
#
# Builds a synthetic install.wim (BENCH_IMAGES images, default 4, of about
# BENCH_FILES small files each, default 20000, sharing all but a few dozen;
# each with the SYSTEM hive of the test fixtures) and times, on fresh
# copies of it:
#
#   wimpatch   wimpatch apply -p iscsi-boot (default compression level 20;
#              the hive keeps its metadata)
#   plain      the same with --plain-replace (the hive as a new file)
#   level0     the same with --compression-level 0 (wimlib's default, 50)
#   naive      per image: wimlib-imagex extract the hive, edit it with
#              hivexsh -w, wimlib-imagex update to add it back (one WIM
#              write per image)
#
# and prints ratios, not pass/fail.  Each run is timed BENCH_RUNS times
# (default 3) and the fastest kept.  With BENCH_HIVE=FILE, FILE (say, a
# real 12 MiB SYSTEM hive) is used instead of the fixture; it is edited
# with --allow-dirty in case it is dirty.
#
# usage: bench/bench.sh [BUILDDIR]      (BUILDDIR: where wimpatch was built;
#                                        default: the directory above bench/)
# Work files go to a temporary directory in $TMPDIR (removed at the end;
# BENCH_KEEP=1 keeps it).  Not run by make check.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here}" && pwd)
WIMPATCH=$build/wimpatch
NIMG=${BENCH_IMAGES:-4}
NFILES=${BENCH_FILES:-20000}
RUNS=${BENCH_RUNS:-3}
export WIMPATCH_DATADIR="$here/profiles"

for tool in wimlib-imagex hivexsh hivexget awk; do
	command -v $tool >/dev/null || { echo "bench: $tool not found" >&2; exit 2; }
done
[ -x "$WIMPATCH" ] || { echo "bench: $WIMPATCH not built (run make)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wimpatch-bench.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
trap 'exit 1' HUP INT TERM

# ---------------------------------------------------------------- the hive
if [ -n "${BENCH_HIVE:-}" ]; then
	cp "$BENCH_HIVE" "$W/SYSTEM"
	DIRTY=--allow-dirty
else
	fx=$build/tests/fixtures.out
	if [ ! -f "$fx/SYSTEM-installed" ]; then
		make -C "$build" tests/mkhive >/dev/null
		fx=$W/fixtures
		sh "$here/tests/make-fixtures.sh" "$fx" "$build/tests/mkhive"
	fi
	cp "$fx/SYSTEM-installed" "$W/SYSTEM"
	DIRTY=
fi

# ---------------------------------------------------------------- the WIM
echo "bench: building $NIMG images of $NFILES files in $W ..."
tree=$W/tree
mkdir -p "$tree/Windows/System32/config" "$tree/Program Files" "$tree/Users/Default"
cp "$W/SYSTEM" "$tree/Windows/System32/config/SYSTEM"
printf 'wimpatch bench filler hive\n' >"$tree/Windows/System32/config/SOFTWARE"
# 100 files per directory, 100 to 2100 bytes each, all different.
awk -v root="$tree" -v n="$NFILES" 'BEGIN {
	srand(1)
	for (i = 0; i < n; i++) {
		if (i % 100 == 0) {
			dir = sprintf("%s/Windows/WinSxS/amd64_component_%04d", root, i / 100)
			system("mkdir -p \"" dir "\"")
		}
		f = sprintf("%s/file_%05d.dll", dir, i)
		len = 100 + int(rand() * 2000)
		s = sprintf("MZ bench %d ", i)
		while (length(s) < len)
			s = s sprintf("%08x", int(rand() * 4294967295))
		printf "%s", substr(s, 1, len) > f
		close(f)
	}
}'
wim=$W/install.wim
i=1
while [ "$i" -le "$NIMG" ]; do
	# Each edition differs from the others in a few dozen files.
	for k in $(seq 1 40); do
		printf 'edition %d file %d\n' "$i" "$k" >"$tree/Program Files/edition_$k.txt"
	done
	if [ "$i" -eq 1 ]; then
		wimlib-imagex capture "$tree" "$wim" "Edition $i" >/dev/null
	else
		wimlib-imagex append "$tree" "$wim" "Edition $i" >/dev/null
	fi
	i=$((i + 1))
done
echo "bench: $(wimlib-imagex info "$wim" | tr -s ' ' | grep -E '^(Image Count|Size):' | tr '\n' ' ')"

# ---------------------------------------------------------------- runs
now() { date +%s.%N; }

# best NAME CMD...: run CMD on a fresh copy ($W/run.wim) RUNS times, keep
# the fastest time in $NAME.
best() {
	name=$1
	shift
	b=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		cp "$wim" "$W/run.wim"
		sync
		t0=$(now)
		"$@" >/dev/null 2>"$W/err" || { echo "bench: $name failed: $(cat "$W/err")" >&2; exit 1; }
		t1=$(now)
		b=$(awk -v a="$t0" -v z="$t1" -v b="$b" 'BEGIN { t = z - a; print (b == "" || t < b) ? t : b }')
		r=$((r + 1))
	done
	eval "$name=$b"
	printf 'bench: %-9s %6.2f s\n' "$name" "$b"
}

# The naive way: one extraction, one hivexsh edit and one WIM write per
# image.  (hivexsh's setval replaces all values of the key: the work is
# the same, the result cruder.)
naive() {
	n=1
	while [ "$n" -le "$NIMG" ]; do
		rm -rf "$W/x"
		mkdir "$W/x"
		wimlib-imagex extract "$W/run.wim" "$n" /Windows/System32/config/SYSTEM \
			--dest-dir="$W/x" --no-acls >/dev/null
		hivexsh -w "$W/x/SYSTEM" <<-'EOF'
			cd \ControlSet001\Control\CrashControl
			setval 1
			CrashDumpEnabled
			dword:0
			cd \ControlSet001\Services\BFE\Parameters\Policy\BootTime\Filter
			del
			commit
		EOF
		wimlib-imagex update "$W/run.wim" "$n" \
			--command="add '$W/x/SYSTEM' /Windows/System32/config/SYSTEM" >/dev/null
		n=$((n + 1))
	done
}

# shellcheck disable=SC2086
best wimpatch "$WIMPATCH" apply -q $DIRTY -p iscsi-boot "$W/run.wim"
# shellcheck disable=SC2086
best plain "$WIMPATCH" apply -q $DIRTY --plain-replace -p iscsi-boot "$W/run.wim"
# shellcheck disable=SC2086
best level0 "$WIMPATCH" apply -q $DIRTY --compression-level 0 -p iscsi-boot "$W/run.wim"
best naive naive

# Sanity: the naive run did edit every image.
hivexget "$W/x/SYSTEM" 'ControlSet001\Control\CrashControl' CrashDumpEnabled | grep -qx 0 ||
	echo "bench: warning: the naive edit did not take" >&2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "naive per-image script / wimpatch:            $(ratio "$naive" "$wimpatch")x"
echo "wimpatch --compression-level 0 / wimpatch:     $(ratio "$level0" "$wimpatch")x"
echo "wimpatch / wimpatch --plain-replace:           $(ratio "$wimpatch" "$plain")x" \
	"(keeping the hive's metadata costs" \
	"$(awk -v a="$wimpatch" -v b="$plain" -v n="$NIMG" 'BEGIN { printf "%.3f", (a - b) / n }') s per image)"
