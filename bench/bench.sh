#!/bin/sh
# bench.sh - wimpatch against the script a Linux admin writes today, on
# synthetic installation media.  Not run by make check; prints numbers and
# ratios, no pass/fail.
#
# usage: bench/bench.sh [--esd] [--no-scaling] [BUILDDIR]
#        bench/bench.sh --iso [BUILDDIR]
#        bench/bench.sh --keys [BUILDDIR]
#
# Builds a medium (sources/boot.wim: 2 images of BENCH_BOOT_FILES files;
# sources/install.wim: BENCH_IMAGES images of BENCH_FILES files each, the
# same files but for a few dozen per image, LZX, each image with a SYSTEM
# hive) and times, side by side, BENCH_ROUNDS rounds each (median kept):
#
#   apply     wimpatch apply -p iscsi-boot MEDIUM (on a fresh copy)
#   script    per image of both WIMs: wimlib-imagex extract the SYSTEM
#             hive, hivexregedit --merge the same changes (a .reg file),
#             wimlib-imagex update to put it back (on a fresh copy)
#   diff      wimpatch diff -p iscsi-boot MEDIUM (checked to write nothing)
#   extract   per image: wimlib-imagex extract of the SYSTEM hive, and
#             nothing else: the least any tool has to do to read them
#
#   import    wimpatch apply with <import-reg> of a .reg holding
#             BENCH_IMPORT_VALUES values (default 20000) under one key,
#             then one holding BENCH_IMPORT_KEYS keys (default 5000) with a
#             value each under one key, into the bare SYSTEM hive, against
#             hivexregedit --merge of the same .reg (one round each)
#
#   keys      wimpatch apply with <import-reg> of a .reg creating N keys
#             (no values) under one key (Bench\Keys, then
#             CurrentControlSet\Services\Bench), for each N of BENCH_KEYS
#             (default "1000 5000 20000"), against hivexregedit --merge of the same
#             .reg for N up to BENCH_KEYS_HX_MAX (default 5000: hivex adds a
#             key in time and space that grow with its siblings, N keys
#             cost N²; 20000 took 186 s and wrote 1.6 GB here), side by
#             side: seconds, peak RSS, the hive's size (--keys runs this
#             case alone, in a few seconds)
#
# and prints the ratios, peak RSS (GNU time), the bytes each run appends
# per image, and how the apply time changes when the file data doubles
# (same files, twice the bytes: it should not change) and when the image
# count doubles (at most linear).  --esd (or BENCH_ESD=1) also builds
# install.esd (solid LZMS, as Microsoft ships it) and times apply and the
# script on a medium with it; --no-scaling (BENCH_SCALING=0) skips the
# doubled media.
#
# The installed images' SYSTEM hive is a real-size one: BENCH_HIVE=FILE (or
# FILE.xz), by default ../shared/testdata/hives/SYSTEM-win10-1709.xz next to
# the source tree when it exists, else one of about 10 MiB generated here
# (the test fixture's keys and filler keys, by tests/mkhive);
# BENCH_HIVE=fixture uses the test fixture's 20 KiB hive (wimpatch gets
# --allow-dirty, in case the hive is dirty).  install.wim is built twice:
# each image with a hive of its own (one value differs, as editions'
# do), and (BENCH_SHARED=0 skips it) every image with the same hive (one
# blob), and apply and the script are timed on both, with their ratios
# side by side.  BENCH_BASELINE=PROGRAM also times another wimpatch (say
# the build before a change) on both, in the same rounds.  Every time is
# given as wall and CPU (user + sys) seconds: the machine may be shared.  Work files go to a
# temporary directory in $TMPDIR (BENCH_KEEP=1 keeps it); a full default
# run (with --esd) takes about 3 minutes on 2 CPUs and ~1 GiB of disk.
#
# Needs wimlib-imagex (wimtools), hivexregedit (libwin-hivex-perl),
# hivexget (libhivex-bin), GNU time (time) and perl.
#
# --iso (bench/bench-iso.sh does it; make check-large runs it) builds a
# Windows-shaped ISO of BENCH_ISO_GIB GiB (default 4.6; 0.3 for a quick
# try): sources/install.wim, 2 images of the same random (incompressible)
# files, over 4 GiB at the default size, uncompressed (BENCH_ISO_COMPRESS=LZX
# for LZX: bench-iso.sh's header says why not by default), each image with
# the SYSTEM hive; sources/boot.wim (LZX), 2 images of
# a few MiB, the second the setup image; both BCD stores, etfsboot.com,
# efisys.bin, bootmgr...; written by genisoimage as tests/iso-lib.sh mkiso
# does (UDF + ISO 9660 level 3 + Joliet, BIOS and UEFI El Torito entries).
# Building it takes about 2 minutes at 4.6 GiB on 2 CPUs; BENCH_ISO_CACHE=DIR
# keeps it in DIR for the next runs.  It then times, side by side, one
# round each (BENCH_ROUNDS; BENCH_WARM=1 runs each once untimed first;
# page caches are never dropped):
#
#   cp        cp SRC.iso OUT.iso && sync: the floor, one read and one write
#   script    7zz x -tudf the ISO, per image of boot.wim and install.wim
#             the WIM script above, genisoimage with the source's options,
#             sync
#   wimpatch  wimpatch apply -p iscsi-boot SRC.iso -o OUT.iso && sync
#   rebuild   the same with --rebuild-iso, if apply --help lists it
#
# and prints one table: wall seconds, the ratio to cp, peak extra disk
# (df of the work file system every 0.2 s, less its free space before the
# run: noisy if other jobs write to it; du of the work directory, blind to
# them, beside it), peak RSS (GNU time), the share of
# the source's 2048-byte sectors unchanged at the same offset in the
# output, and whether the output is valid (every image of both WIMs has
# CrashDumpEnabled = 0, both WIMs keep 2 images, 2 El Torito entries),
# then the goals of issue 13 met or not.  It exits 1 if an output is not
# valid (never on speed).  Needs ~4 times the ISO's size free in $TMPDIR
# (and BENCH_ISO_CACHE), and 7zz (7zip), genisoimage, isoinfo, xorriso and
# python3 too.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
ESD=${BENCH_ESD:-0}
SCALING=${BENCH_SCALING:-1}
KEYS_ONLY=0
while [ $# -gt 0 ]; do
	case $1 in
	--esd) ESD=1 ;;
	--no-scaling) SCALING=0 ;;
	--keys) KEYS_ONLY=1 ;;
	--iso) shift; exec sh "$here/bench/bench-iso.sh" "$@" ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
build=$(cd "${1:-$here}" && pwd)
WIMPATCH=$build/wimpatch
NIMG=${BENCH_IMAGES:-4}
NFILES=${BENCH_FILES:-60000}
NBOOT=${BENCH_BOOT_FILES:-10000}
ROUNDS=${BENCH_ROUNDS:-3}
export WIMPATCH_DATADIR="$here/profiles"
TIME=/usr/bin/time

missing=
for t in wimlib-imagex:wimtools hivexregedit:libwin-hivex-perl hivexget:libhivex-bin \
	"$TIME":time perl:perl; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
if [ -n "$missing" ]; then
	echo "bench: missing tools; install the Debian packages:$missing" >&2
	echo "bench:   apt-get install$missing" >&2
	exit 2
fi
[ -x "$WIMPATCH" ] || { echo "bench: $WIMPATCH not built (run make)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wimpatch-bench.XXXXXX")
# wimpatch's own scratch ($TMPDIR/wimpatch.XXXXXX) goes into the bench's,
# and goes with it, even that of a run the bench stops.
mkdir "$W/.tmpdir"
TMPDIR=$W/.tmpdir
export TMPDIR
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
trap 'exit 1' HUP INT TERM
say() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------- hives
fx=$build/tests/fixtures.out
if [ ! -f "$fx/SYSTEM-installed" ] || [ ! -f "$fx/SYSTEM-pe" ]; then
	make -C "$build" tests/mkhive >/dev/null
	fx=$W/fixtures
	sh "$here/tests/make-fixtures.sh" "$fx" "$build/tests/mkhive"
fi
cp "$fx/SYSTEM-pe" "$W/SYSTEM-pe"
DIRTY=--allow-dirty
real_hive=$here/../shared/testdata/hives/SYSTEM-win10-1709.xz
[ -f "$real_hive" ] || real_hive=generated
HIVE=${BENCH_HIVE:-$real_hive}
case $HIVE in
fixture) cp "$fx/SYSTEM-installed" "$W/SYSTEM-installed" ;;
generated)
	# The fixture's keys (what the profiles edit) and ~10 MiB of filler:
	# 80 keys of 100 subkeys with a 250-character value each (9.4 MB).
	make -C "$build" tests/mkhive >/dev/null
	{
		cat "$here/tests/fixtures/system-installed.reg"
		awk 'BEGIN {
			v = ""; while (length(v) < 250) v = v "wimpatch bench filler "
			for (i = 0; i < 80; i++) for (j = 0; j < 100; j++)
				printf "[ControlSet001\\Services\\BenchFill%03d\\Key%03d]\n\"Data\"=\"%s\"\n", i, j, v
		}'
	} >"$W/bighive.reg"
	"$build/tests/mkhive" "$W/SYSTEM-installed" "$W/bighive.reg" ROOT
	;;
*.xz) xz -dc "$HIVE" >"$W/SYSTEM-installed" ;;
*) cp "$HIVE" "$W/SYSTEM-installed" ;;
esac
SHARED=${BENCH_SHARED:-1}
BASE=${BENCH_BASELINE:-}

# The script's changes, as the .reg file an admin would write for
# hivexregedit (CurrentControlSet resolved by hand: ControlSet001).
printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
	'[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\CrashControl]' \
	'"CrashDumpEnabled"=dword:00000000' '' \
	'[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\BFE\Parameters\Policy\BootTime\Filter]' \
	>"$W/iscsi-boot.reg"

# timed NAME CMD...: run CMD under GNU time; append "seconds maxrss-KiB"
# to $W/NAME.times.  An exit status of 0 or 1 (diff: changes pending) is
# success.
timed() {
	name=$1
	shift
	rc=0
	"$TIME" -f '%e %M %U %S' -o "$W/t.out" "$@" >/dev/null 2>"$W/err" || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "bench: $name failed ($rc): $(tail -5 "$W/err")" >&2
		exit 1
	fi
	tail -1 "$W/t.out" >>"$W/$name.times"
}

median() { sort -n "$W/$1.times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# cpu NAME: the median of user + sys seconds.
cpu() {
	awk '{ printf "%.2f\n", $3 + $4 }' "$W/$1.times" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
maxrss() { sort -n -k2 "$W/$1.times" | tail -1 | awk '{ printf "%.0f", $2 / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---------------------------------------------------------------- keys
# keys_case: N keys under one key, wimpatch against hivexregedit, under
# a key of its own and under CurrentControlSet\Services (where driver and
# service imports go; hivexregedit, which knows no CurrentControlSet, gets
# the .reg with ControlSet001, the set Select\Current names).
keys_case() {
	hx_max=${BENCH_KEYS_HX_MAX:-5000}
	say "timing the creation of ${BENCH_KEYS:-1000 5000 20000} keys under one key ..."
	printf '%-52s %8s %10s %14s\n' "keys under one key (no values)" "seconds" "peak RSS" "hive written"
	for parent in 'Bench\Keys' 'CurrentControlSet\Services\Bench'; do
		for n in ${BENCH_KEYS:-1000 5000 20000}; do
			keys_one "$parent" "$n"
		done
	done
}

# keys_one PARENT N
keys_one() {
	case $1 in CurrentControlSet*) what="CurrentControlSet, $2 keys" ;; *) what="$2 keys" ;; esac
	awk -v n="$2" -v p="$1" 'BEGIN {
		printf "Windows Registry Editor Version 5.00\r\n\r\n"
		# each ancestor first: hivexregedit makes no missing parent
		for (i = 1; i <= length(p); i++)
			if (substr(p, i, 1) == "\\")
				printf "[HKEY_LOCAL_MACHINE\\SYSTEM\\%s]\r\n\r\n", substr(p, 1, i - 1)
		printf "[HKEY_LOCAL_MACHINE\\SYSTEM\\%s]\r\n\r\n", p
		for (i = 0; i < n; i++) printf "[HKEY_LOCAL_MACHINE\\SYSTEM\\%s\\K%06d]\r\n\r\n", p, i
	}' >"$W/k$2.reg"
	sed 's/\\CurrentControlSet\([]\\]\)/\\ControlSet001\1/' "$W/k$2.reg" >"$W/k$2-hx.reg"
	printf '<profile version="1"><rule hive="SYSTEM"><import-reg file="%s"/></rule></profile>\n' \
		"$W/k$2.reg" >"$W/k$2.xml"
	cp "$W/SYSTEM-installed" "$W/k-wimpatch"
	# shellcheck disable=SC2086
	timed "keys_w_$2" "$WIMPATCH" apply -q $DIRTY --hive SYSTEM -p "$W/k$2.xml" "$W/k-wimpatch"
	printf '%-52s %8s %7s MiB %10s KiB\n' "wimpatch, $what" "$(median "keys_w_$2")" \
		"$(maxrss "keys_w_$2")" "$(($(wc -c <"$W/k-wimpatch") / 1024))"
	if [ "$2" -le "$hx_max" ]; then
		cp "$W/SYSTEM-installed" "$W/k-hivex"
		timed "keys_h_$2" hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$W/k-hivex" \
			"$W/k$2-hx.reg"
		printf '%-52s %8s %7s MiB %10s KiB\n' "hivexregedit --merge, $what" \
			"$(median "keys_h_$2")" "$(maxrss "keys_h_$2")" "$(($(wc -c <"$W/k-hivex") / 1024))"
	else
		printf '%-52s %s\n' "hivexregedit --merge, $what" \
			"not run (N²: BENCH_KEYS_HX_MAX=$2 runs it)"
	fi
	rm -f "$W/k-wimpatch" "$W/k-hivex" "$W/keys_w_$2.times" "$W/keys_h_$2.times"
}
if [ "$KEYS_ONLY" = 1 ]; then
	keys_case
	exit 0
fi

# ---------------------------------------------------------------- media

# mkfiles DIR N SCALE SEED: N files of (100..2100) * SCALE bytes, 100 per
# directory, in Windows/WinSxS-like directories with long names, the files
# named like Windows' own (random syllables, mixed case, a dozen
# extensions), all different, about half compressible (hex text).  Names
# matter: the image metadata wimlib compresses on every update is mostly
# names and hashes.
mkfiles() {
	perl -e '
		my ($root, $n, $scale, $seed) = @ARGV;
		srand($seed);
		my @syl = qw(ms win core shell net sys kern ui data mgr srv host svc cfg reg dev drv
			usb hid pnp wmi cim ole com rpc lsa sam sec crypt cert tpm bio face wlan nfc
			bth audio video media print scan font text input ime lang loc res);
		my @ext = qw(.dll .dll .dll .exe .sys .mui .manifest .cat .mum .inf .ini .xml .dat .cpl);
		sub word { my $w = ""; $w .= $syl[int(rand(@syl))] for 1 .. 1 + int(rand(4)); $w }
		my $dir;
		for my $i (0 .. $n - 1) {
			if ($i % 100 == 0) {
				$dir = sprintf("%s/Windows/WinSxS/amd64_microsoft-windows-%s-%s_31bf3856ad364e35_10.0.19041.%d_none_%08x%08x",
					$root, word(), word(), int(rand(4000)), int(rand(4294967295)),
					int(rand(4294967295)));
				system("mkdir", "-p", $dir) == 0 or die;
			}
			my $name;
			do {
				$name = (rand() < 0.5 ? ucfirst(word()) : word()) .
					(rand() < 0.3 ? "." . ucfirst(word()) : "") . $ext[int(rand(@ext))];
			} while (-e "$dir/$name");
			my $len = (100 + int(rand(2000))) * $scale;
			my $s = "MZ bench $i ";
			$s .= sprintf("%08x", int(rand(4294967295))) while length($s) < $len;
			open(my $f, ">", "$dir/$name") or die;
			print $f substr($s, 0, $len);
			close($f);
		}' "$@"
}

# mktree DIR NFILES SCALE HIVE: an image's tree.
mktree() {
	mkdir -p "$1/Windows/System32/config" "$1/Program Files" "$1/Users/Default"
	cp "$4" "$1/Windows/System32/config/SYSTEM"
	for h in SOFTWARE DEFAULT SAM SECURITY; do
		printf 'wimpatch bench filler hive %s\n' "$h" >"$1/Windows/System32/config/$h"
	done
	mkfiles "$1" "$2" "$3" 1
}

# mkwim TREE WIM FIRST LAST TYPE [shared]: images FIRST..LAST of TREE, each
# with a few dozen files and a SYSTEM hive of its own (as editions have:
# one value differs; with "shared", the tree's hive as it is, one blob for
# all), captured (LZX, wimlib's default) or appended; TYPE is the XML's
# INSTALLATIONTYPE.
mkwim() {
	i=$3
	while [ "$i" -le "$4" ]; do
		rm -rf "$1/Program Files/edition"
		mkdir -p "$1/Program Files/edition"
		for k in $(seq 1 40); do
			printf 'edition %d file %d\n' "$i" "$k" >"$1/Program Files/edition/file_$k.txt"
		done
		printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
			'[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ProductOptions]' \
			"\"BenchEdition\"=\"$5 $i\"" >"$W/edition.reg"
		[ "${6:-}" = shared ] || hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
			"$1/Windows/System32/config/SYSTEM" "$W/edition.reg"
		if [ "$i" -eq 1 ]; then verb=capture; else verb=append; fi
		wimlib-imagex $verb "$1" "$2" "Edition $i" --image-property \
			"WINDOWS/INSTALLATIONTYPE=$5" >/dev/null
		i=$((i + 1))
	done
}

# mkmedium DIR BOOT.WIM INSTALL: a medium with the given WIMs.
mkmedium() {
	mkdir -p "$1/sources" "$1/boot"
	ln "$2" "$1/sources/boot.wim"
	ln "$3" "$1/sources/${3##*/}"
	printf 'bootmgr' >"$1/bootmgr"
	printf 'setup' >"$1/setup.exe"
}

t0=$(date +%s)
say "building boot.wim (2 images of $NBOOT files) and install.wim ($NIMG images of $NFILES files) in $W ..."
mktree "$W/boottree" "$NBOOT" 1 "$W/SYSTEM-pe"
mkwim "$W/boottree" "$W/boot.wim" 1 2 WindowsPE
wimlib-imagex info "$W/boot.wim" 2 --boot >/dev/null
rm -rf "$W/boottree"
mktree "$W/tree" "$NFILES" 1 "$W/SYSTEM-installed"
mkwim "$W/tree" "$W/install.wim" 1 "$NIMG" Client
mkmedium "$W/medium" "$W/boot.wim" "$W/install.wim"
if [ "$SHARED" = 1 ]; then
	say "building install.wim again, every image with the same SYSTEM hive ..."
	h=$W/tree/Windows/System32/config/SYSTEM
	mv "$h" "$W/SYSTEM-edited"
	cp "$W/SYSTEM-installed" "$h"
	mkdir "$W/shared"
	mkwim "$W/tree" "$W/shared/install.wim" 1 "$NIMG" Client shared
	mkmedium "$W/medium-shared" "$W/boot.wim" "$W/shared/install.wim"
	mv "$W/SYSTEM-edited" "$h"
fi
if [ "$SCALING" = 1 ]; then
	say "building the doubled media: twice the file data, twice the images ..."
	cp "$W/install.wim" "$W/install-x2img.wim"
	mkwim "$W/tree" "$W/install-x2img.wim" $((NIMG + 1)) $((2 * NIMG)) Client
	mkdir "$W/x2img"
	mv "$W/install-x2img.wim" "$W/x2img/install.wim"
	mkmedium "$W/medium-x2img" "$W/boot.wim" "$W/x2img/install.wim"
	rm -rf "$W/tree/Windows/WinSxS"
	mkfiles "$W/tree" "$NFILES" 2 1
	mkdir "$W/x2data"
	mkwim "$W/tree" "$W/x2data/install.wim" 1 "$NIMG" Client
	mkmedium "$W/medium-x2data" "$W/boot.wim" "$W/x2data/install.wim"
fi
rm -rf "$W/tree"
if [ "$ESD" = 1 ]; then
	say "exporting install.esd (solid LZMS, wimlib's default 64 MiB chunks) ..."
	mkdir "$W/esd"
	wimlib-imagex export "$W/install.wim" all "$W/esd/install.esd" --solid >/dev/null
	mkmedium "$W/medium-esd" "$W/boot.wim" "$W/esd/install.esd"
fi
say "media built in $(($(date +%s) - t0)) s"
for f in "$W/boot.wim" "$W/install.wim" ${ESD:+"$W/esd/install.esd"}; do
	[ -f "$f" ] || continue
	say "  ${f##*/}: $(wimlib-imagex info "$f" | tr -s ' ' | grep -E '^(Image Count|Size|Compression):' |
		tr '\n' ' ')"
done

# ---------------------------------------------------------------- runs

# The script an admin writes today (saved as $W/script.sh): for every
# image of each WIM, extract the hive, merge the .reg file, update the
# image (one WIM write each).  And the least any tool must do to read the
# hives ($W/extract.sh): one wimlib-imagex extract per image.
cat >"$W/script.sh" <<'EOF'
#!/bin/sh
# script.sh MEDIUM REGFILE SCRATCH: patch every image's SYSTEM hive.
set -eu
for wim in "$1"/sources/boot.wim "$1"/sources/install.*; do
	n=$(wimlib-imagex info "$wim" | tr -s ' ' | sed -n 's/^Image Count: //p')
	i=1
	while [ "$i" -le "$n" ]; do
		rm -rf "$3" && mkdir "$3"
		wimlib-imagex extract "$wim" "$i" /Windows/System32/config/SYSTEM \
			--dest-dir="$3" >/dev/null
		hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$3/SYSTEM" "$2"
		wimlib-imagex update "$wim" "$i" \
			--command="add '$3/SYSTEM' /Windows/System32/config/SYSTEM" >/dev/null
		i=$((i + 1))
	done
done
EOF
sed -e '/hivexregedit/d' -e '/wimlib-imagex update/,/--command/d' \
	-e 's/^# script.sh MEDIUM REGFILE SCRATCH: patch every/# extract.sh MEDIUM REGFILE SCRATCH: extract each/' \
	"$W/script.sh" >"$W/extract.sh"

# fresh MEDIUM: a private copy to write to, in $W/run.
fresh() {
	rm -rf "$W/run"
	cp -r --reflink=auto "$1" "$W/run"
	sync
}


# sizes MEDIUM: total bytes of its WIMs.
sizes() { cat "$1"/sources/boot.wim "$1"/sources/install.* | wc -c; }

# check MEDIUM LABEL: the edits are in every image (hivexget).
check() {
	for wim in "$1"/sources/boot.wim "$1"/sources/install.*; do
		n=$(wimlib-imagex info "$wim" | tr -s ' ' | sed -n 's/^Image Count: //p')
		i=1
		while [ "$i" -le "$n" ]; do
			rm -rf "$W/c" && mkdir "$W/c"
			wimlib-imagex extract "$wim" "$i" /Windows/System32/config/SYSTEM \
				--dest-dir="$W/c" >/dev/null 2>&1
			v=$(hivexget "$W/c/SYSTEM" 'ControlSet001\Control\CrashControl' CrashDumpEnabled 2>&1 || true)
			[ "$v" = 0 ] || say "warning: $2: ${wim##*/} image $i: CrashDumpEnabled is '$v', not 0"
			i=$((i + 1))
		done
	done
}

nimages=$((NIMG + 2))
load0=$(cut -d' ' -f1-3 /proc/loadavg)
before=$(sizes "$W/medium")
sum0=$(cat "$W/medium"/sources/* | sha256sum)
say "timing $ROUNDS rounds of apply, script, diff and extract on the medium ..."
r=1
while [ "$r" -le "$ROUNDS" ]; do
	fresh "$W/medium"
	# shellcheck disable=SC2086
	timed apply "$WIMPATCH" apply -q $DIRTY -p iscsi-boot "$W/run"
	if [ "$r" -eq 1 ]; then
		check "$W/run" wimpatch
		appended_apply=$(($(sizes "$W/run") - before))
	fi
	fresh "$W/medium"
	timed script sh "$W/script.sh" "$W/run" "$W/iscsi-boot.reg" "$W/x"
	if [ "$r" -eq 1 ]; then
		check "$W/run" script
		appended_script=$(($(sizes "$W/run") - before))
	fi
	if [ -n "$BASE" ]; then
		fresh "$W/medium"
		# shellcheck disable=SC2086
		timed base "$BASE" apply -q $DIRTY -p iscsi-boot "$W/run"
	fi
	if [ "$SHARED" = 1 ]; then
		fresh "$W/medium-shared"
		# shellcheck disable=SC2086
		timed sh_apply "$WIMPATCH" apply -q $DIRTY -p iscsi-boot "$W/run"
		if [ "$r" -eq 1 ]; then
			check "$W/run" "wimpatch, shared hive"
			appended_sh_apply=$(($(sizes "$W/run") - $(sizes "$W/medium-shared")))
		fi
		fresh "$W/medium-shared"
		timed sh_script sh "$W/script.sh" "$W/run" "$W/iscsi-boot.reg" "$W/x"
		if [ "$r" -eq 1 ]; then
			check "$W/run" "script, shared hive"
			appended_sh_script=$(($(sizes "$W/run") - $(sizes "$W/medium-shared")))
		fi
		if [ -n "$BASE" ]; then
			fresh "$W/medium-shared"
			# shellcheck disable=SC2086
			timed sh_base "$BASE" apply -q $DIRTY -p iscsi-boot "$W/run"
		fi
	fi
	# shellcheck disable=SC2086
	timed diff "$WIMPATCH" diff -q $DIRTY -p iscsi-boot "$W/medium"
	timed extract sh "$W/extract.sh" "$W/medium" "$W/iscsi-boot.reg" "$W/x"
	r=$((r + 1))
done
[ "$(cat "$W/medium"/sources/* | sha256sum)" = "$sum0" ] || say "warning: diff changed the medium!"

if [ "$SCALING" = 1 ]; then
	say "timing $ROUNDS rounds of apply on the doubled media ..."
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		fresh "$W/medium-x2data"
		# shellcheck disable=SC2086
		timed x2data "$WIMPATCH" apply -q $DIRTY -p iscsi-boot "$W/run"
		fresh "$W/medium-x2img"
		# shellcheck disable=SC2086
		timed x2img "$WIMPATCH" apply -q $DIRTY -p iscsi-boot "$W/run"
		r=$((r + 1))
	done
fi
if [ "$ESD" = 1 ]; then
	say "timing $ROUNDS rounds of apply and script on the medium with install.esd ..."
	esd_before=$(sizes "$W/medium-esd")
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		fresh "$W/medium-esd"
		# shellcheck disable=SC2086
		timed esd_apply "$WIMPATCH" apply -q $DIRTY -p iscsi-boot "$W/run"
		if [ "$r" -eq 1 ]; then
			check "$W/run" "wimpatch, ESD"
			appended_esd_apply=$(($(sizes "$W/run") - esd_before))
		fi
		fresh "$W/medium-esd"
		timed esd_script sh "$W/script.sh" "$W/run" "$W/iscsi-boot.reg" "$W/x"
		if [ "$r" -eq 1 ]; then
			check "$W/run" "script, ESD"
			appended_esd_script=$(($(sizes "$W/run") - esd_before))
		fi
		r=$((r + 1))
	done
fi

# ---------------------------------------------------------------- imports
NV=${BENCH_IMPORT_VALUES:-20000}
NK=${BENCH_IMPORT_KEYS:-5000}
say "timing the import of $NV values under one key, and of $NK keys under one key ..."
awk -v n="$NV" 'BEGIN {
	printf "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Bench]\r\n\r\n"
	printf "[HKEY_LOCAL_MACHINE\\SYSTEM\\Bench\\Values]\r\n"
	for (i = 0; i < n; i++) printf "\"Value%06d\"=\"some string data %d\"\r\n", i, i
}' >"$W/values.reg"
awk -v n="$NK" 'BEGIN {
	printf "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Bench]\r\n\r\n"
	printf "[HKEY_LOCAL_MACHINE\\SYSTEM\\Bench\\Keys]\r\n\r\n"
	for (i = 0; i < n; i++) printf "[HKEY_LOCAL_MACHINE\\SYSTEM\\Bench\\Keys\\Key%06d]\r\n\"N\"=dword:%08x\r\n\r\n", i, i
}' >"$W/keys.reg"
for what in values keys; do
	printf '<profile version="1"><rule hive="SYSTEM"><import-reg file="%s"/></rule></profile>\n' \
		"$W/$what.reg" >"$W/$what.xml"
	cp "$W/SYSTEM-installed" "$W/imp-wimpatch"
	# shellcheck disable=SC2086
	timed "imp_w_$what" "$WIMPATCH" apply -q $DIRTY --hive SYSTEM -p "$W/$what.xml" "$W/imp-wimpatch"
	cp "$W/SYSTEM-installed" "$W/imp-hivex"
	timed "imp_h_$what" hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$W/imp-hivex" \
		"$W/$what.reg"
	wc -c <"$W/imp-wimpatch" >"$W/imp_w_$what.size"
	wc -c <"$W/imp-hivex" >"$W/imp_h_$what.size"
done

# ---------------------------------------------------------------- report
per() { awk -v a="$1" -v n="$nimages" 'BEGIN { printf "%.0f", a / n / 1024 }'; }
echo
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo);" \
	"load average $load0 before the timings, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo "medium: boot.wim 2 x $NBOOT files, install.wim $NIMG x $NFILES files (LZX);" \
	"hive: $HIVE ($(wc -c <"$W/SYSTEM-installed") bytes); $ROUNDS rounds, medians"
echo
# row LABEL NAME [APPENDED]: a run's wall and CPU seconds, peak RSS and
# the bytes it appended per image.
row() {
	if [ $# -ge 3 ]; then
		printf '%-44s %8s %8s %7s MiB %10s KiB\n' "$1" "$(median "$2")" "$(cpu "$2")" \
			"$(maxrss "$2")" "$(per "$3")"
	else
		printf '%-44s %8s %8s %7s MiB\n' "$1" "$(median "$2")" "$(cpu "$2")" "$(maxrss "$2")"
	fi
}
printf '%-44s %8s %8s %10s %14s\n' "" "wall s" "CPU s" "peak RSS" "appended/image"
row "wimpatch apply" apply "$appended_apply"
[ -z "$BASE" ] || row "baseline apply ($BASE)" base
row "script (extract, hivexregedit, update)" script "$appended_script"
if [ "$SHARED" = 1 ]; then
	row "wimpatch apply, one hive for all images" sh_apply "$appended_sh_apply"
	[ -z "$BASE" ] || row "baseline apply, one hive for all images" sh_base
	row "script, one hive for all images" sh_script "$appended_sh_script"
fi
row "wimpatch diff" diff
row "extract the hives (wimlib-imagex)" extract
if [ "$SCALING" = 1 ]; then
	row "apply, file data x2" x2data
	row "apply, install.wim images x2" x2img
fi
if [ "$ESD" = 1 ]; then
	row "wimpatch apply, install.esd" esd_apply "$appended_esd_apply"
	row "script, install.esd" esd_script "$appended_esd_script"
fi
# imp_line NAME LABEL: an import's seconds, peak RSS and the hive it wrote.
imp_line() {
	printf '%-44s %8s %8s %7s MiB %10s KiB\n' "$2" "$(median "$1")" "$(cpu "$1")" \
		"$(maxrss "$1")" "$(($(cat "$W/$1.size") / 1024))"
}
imp_line imp_w_values "wimpatch import, $NV values"
imp_line imp_h_values "hivexregedit --merge, $NV values"
imp_line imp_w_keys "wimpatch import, $NK keys"
imp_line imp_h_keys "hivexregedit --merge, $NK keys"
echo "(for the imports, the last column is the size of the hive written)"
echo
keys_case
echo
# ratios SCRIPT APPLY: script / apply, wall and CPU.
ratios() {
	echo "wall $(ratio "$(median "$1")" "$(median "$2")")x, CPU $(ratio "$(cpu "$1")" "$(cpu "$2")")x"
}
printf '%-44s %s\n' "script / apply (target >= 4), own hives:" "$(ratios script apply)"
[ -z "$BASE" ] || printf '%-44s %s\n' "script / baseline apply, own hives:" "$(ratios script base)"
if [ "$SHARED" = 1 ]; then
	printf '%-44s %s\n' "script / apply (target >= 4), one hive:" "$(ratios sh_script sh_apply)"
	[ -z "$BASE" ] || printf '%-44s %s\n' "script / baseline apply, one hive:" \
		"$(ratios sh_script sh_base)"
fi
echo "diff / extracting the hives (target <= 1.2): $(ratio "$(median diff)" "$(median extract)")x"
if [ "$SCALING" = 1 ]; then
	echo "apply, file data x2 / apply (target ~1):    $(ratio "$(median x2data)" "$(median apply)")x"
	echo "apply, images x2 / apply (target <= 2):     $(ratio "$(median x2img)" "$(median apply)")x" \
		"($((2 * NIMG + 2)) images instead of $nimages)"
fi
if [ "$ESD" = 1 ]; then
	echo "script / apply, ESD (target >= 2):          $(ratio "$(median esd_script)" "$(median esd_apply)")x"
fi
echo "peak RSS of apply (target < 300 MiB, LZX):   $(maxrss apply) MiB"
echo "import hive size / hivexregedit's (target <= 3): values" \
	"$(ratio "$(cat "$W/imp_w_values.size")" "$(cat "$W/imp_h_values.size")")x, keys" \
	"$(ratio "$(cat "$W/imp_w_keys.size")" "$(cat "$W/imp_h_keys.size")")x"
