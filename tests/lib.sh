# lib.sh - shared helpers for the shell tests: TAP output, a private
# scratch directory, and independent readers (hivexget, reglookup,
# wimlib-imagex) to check results with something other than wimpatch.
#
# Environment (set by Makefile.am): WIMPATCH, FIXTURES, top_srcdir,
# top_builddir, WIMPATCH_DATADIR.

set -u

t_n=0
t_failed=0

t_pass() { t_n=$((t_n + 1)); echo "ok $t_n - $1"; }
t_fail() {
	t_n=$((t_n + 1)); t_failed=$((t_failed + 1))
	echo "not ok $t_n - $1"
	shift
	for l in "$@"; do echo "# $l"; done
}

# t_ok DESC CMD...: CMD exits 0.
t_ok() {
	d=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then t_pass "$d"
	else t_fail "$d" "command failed ($?): $*" "$(head -c 2000 "$T/.err")"; fi
}

# t_exit WANT DESC CMD...: CMD exits WANT; its stdout/stderr are kept in
# $T/.out and $T/.err for the checks that follow.
t_exit() {
	want=$1; d=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	got=$?
	if [ "$got" -eq "$want" ]; then t_pass "$d"
	else t_fail "$d" "exit $got, expected $want: $*" "stderr: $(head -c 2000 "$T/.err")"; fi
}

# t_is GOT WANT DESC
t_is() {
	if [ "$1" = "$2" ]; then t_pass "$3"
	else t_fail "$3" "got:      '$1'" "expected: '$2'"; fi
}

# t_grep PATTERN FILE DESC: fixed-string search.
t_grep() {
	if grep -qF -- "$1" "$2"; then t_pass "$3"
	else t_fail "$3" "'$1' not found in $2:" "$(head -c 2000 "$2")"; fi
}

t_nogrep() {
	if grep -qF -- "$1" "$2"; then t_fail "$3" "'$1' unexpectedly found in $2"
	else t_pass "$3"; fi
}

t_done() {
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
	exit $?
}

sum() { sha256sum "$1" | cut -d' ' -f1; }

# hive_value HIVE KEY NAME: the value as hivexget prints it ("" if absent).
hive_value() { hivexget "$1" "$2" "$3" 2>/dev/null; }

# hive_has_key HIVE KEY
hive_has_key() { hivexget "$1" "$2" >/dev/null 2>&1; }

# A full dump (path, type, data; not key times) by reglookup, an
# independent parser: comparing dumps shows every change to a hive.
hive_dump() { reglookup -H "$1" 2>/dev/null | cut -d, -f1-3 | LC_ALL=C sort; }

# wim_hive WIM IMAGE PATH DEST: extract one file with wimlib-imagex.
wim_hive() {
	rm -rf "$T/.x" && mkdir -p "$T/.x" &&
	wimlib-imagex extract "$1" "$2" "$3" --dest-dir="$T/.x" --no-acls >/dev/null 2>&1 &&
	mv "$T/.x/$(basename "$3")" "$4"
}

# The time wimpatch writes is the run's unless a test fixes it (a build
# that exports SOURCE_DATE_EPOCH must not change what the tests see).
unset SOURCE_DATE_EPOCH

T=$(mktemp -d "${top_builddir:-.}/tests/scratch.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
# Whatever wimpatch leaves in TMPDIR (a killed run's scratch) stays in
# the test's own directory; tests that look at TMPDIR set their own.
mkdir "$T/.tmpdir" && TMPDIR="$T/.tmpdir" && export TMPDIR

if [ ! -f "$FIXTURES/boot.wim" ]; then
	echo "Bail out! fixtures missing in $FIXTURES (tests/fixtures.test builds them)"
	exit 99
fi

# wim_info WIM [ARGS]: wimlib-imagex info with runs of spaces squeezed,
# so "Boot Index: 2" can be matched whatever the column width.
wim_info() { wimlib-imagex info "$@" | tr -s ' '; }

# wim_xml WIM: the WIM's XML (UTF-16 on disk) as UTF-8 lines, without the
# counters and times that every write recomputes.
wim_xml() {
	wimlib-imagex info "$1" --xml | iconv -f UTF-16 -t UTF-8 | sed 's/></>\n</g' |
		grep -v -e '<LASTMODIFICATIONTIME' -e '<HIGHPART' -e '<LOWPART' -e '</LASTMODIFICATIONTIME' \
			-e '<TOTALBYTES' -e '<FILECOUNT' -e '<DIRCOUNT' -e '<HARDLINKBYTES'
}

# make_dirty HIVE: bump the primary sequence number and fix the header
# checksum (XOR of the first 127 dwords), as a hive with a write in
# flight looks.  perl is part of every Debian system.
make_dirty() {
	perl -e '
		open(my $f, "+<", $ARGV[0]) or die; binmode $f;
		read($f, my $b, 512) == 512 or die;
		substr($b, 4, 4) = pack("V", unpack("V", substr($b, 4, 4)) + 1);
		my $x = 0; $x ^= $_ for unpack("V127", $b);
		substr($b, 508, 4) = pack("V", $x);
		seek($f, 0, 0); print $f $b; close $f or die;' "$1"
}
