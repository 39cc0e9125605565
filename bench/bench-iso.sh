#!/bin/sh
# bench-iso.sh - the ISO benchmark of bench/bench.sh --iso (run it that
# way; bench.sh's header says what it measures and which BENCH_* knobs it
# reads).  Not run by make check; make check-large runs it and fails only
# when an output is not a valid result, never on speed.
#
# usage: bench/bench-iso.sh [BUILDDIR]
#
# The source ISO: boot.wim (2 images, a few MiB, the second the setup
# image; LZX) and install.wim (2 images of the same random files, so the
# file data is stored once), each image with a SYSTEM hive, and the small
# files a Windows medium holds, written by genisoimage as tests/iso-lib.sh
# mkiso does.  The payload is random bytes (/dev/urandom), so that sizes
# are known in advance and the WIM is as big as the data.
#
# install.wim is uncompressed by default (BENCH_ISO_COMPRESS=none): LZX
# finds nothing to compress in random data and stores it uncompressed, and
# wimlib reuses only compressed resources when it writes a whole WIM, so
# every rebuild of an LZX install.wim of random data compresses all of it
# again (74 s of the 134 s that wimpatch's extract-and-rebuild route took at
# 4.6 GiB), which a real install.wim, compressed, does not cost: a
# rebuild copies its resources.  Uncompressed, a rebuild is a copy too,
# and the build takes 1.5 minutes instead of 6.  BENCH_ISO_COMPRESS=LZX
# builds the LZX one.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here}" && pwd)
WIMPATCH=$build/wimpatch
GIB=${BENCH_ISO_GIB:-4.6}
COMPRESS=${BENCH_ISO_COMPRESS:-none}
ROUNDS=${BENCH_ROUNDS:-1}
WARM=${BENCH_WARM:-0}
export WIMPATCH_DATADIR="$here/profiles"
TIME=/usr/bin/time

missing=
for t in wimlib-imagex:wimtools hivexregedit:libwin-hivex-perl hivexget:libhivex-bin \
	"$TIME":time 7zz:7zip genisoimage:genisoimage isoinfo:genisoimage python3:python3 \
	xorriso:xorriso; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
if [ -n "$missing" ]; then
	echo "bench: missing tools; install the Debian packages:$missing" >&2
	echo "bench:   apt-get install$missing" >&2
	exit 2
fi
[ -x "$WIMPATCH" ] || { echo "bench: $WIMPATCH not built (run make)" >&2; exit 2; }
case $COMPRESS in
LZX | none) ;;
*) echo "bench: BENCH_ISO_COMPRESS is LZX or none, not '$COMPRESS'" >&2; exit 2 ;;
esac
awk -v g="$GIB" 'BEGIN { exit !(g + 0 >= 0.05 && g + 0 <= 64) }' || {
	echo "bench: BENCH_ISO_GIB is a size in GiB from 0.05 to 64, not '$GIB'" >&2
	exit 2
}

W=$(mktemp -d "${TMPDIR:-/tmp}/wimpatch-bench-iso.XXXXXX")
# wimpatch's own scratch ($TMPDIR/wimpatch.XXXXXX) goes into the bench's,
# and goes with it, even that of a run the bench stops.
mkdir "$W/.tmpdir"
TMPDIR=$W/.tmpdir
export TMPDIR
poller=
cleanup() {
	[ -z "$poller" ] || kill "$poller" 2>/dev/null || true
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
say() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------- hives
fx=$build/tests/fixtures.out
if [ ! -f "$fx/SYSTEM-installed" ] || [ ! -f "$fx/SYSTEM-pe" ] || [ ! -f "$fx/BCD-media" ]; then
	make -C "$build" tests/mkhive >/dev/null
	fx=$W/fixtures
	sh "$here/tests/make-fixtures.sh" "$fx" "$build/tests/mkhive"
fi
cp "$fx/SYSTEM-pe" "$W/SYSTEM-pe"
cp "$fx/BCD-media" "$W/BCD-media"
DIRTY=
if [ -n "${BENCH_HIVE:-}" ]; then
	case $BENCH_HIVE in
	*.xz) xz -dc "$BENCH_HIVE" >"$W/SYSTEM-installed" ;;
	*) cp "$BENCH_HIVE" "$W/SYSTEM-installed" ;;
	esac
	DIRTY=--allow-dirty
else
	cp "$fx/SYSTEM-installed" "$W/SYSTEM-installed"
fi

# The script's changes, as bench.sh's WIM script has them.
printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
	'[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\CrashControl]' \
	'"CrashDumpEnabled"=dword:00000000' '' \
	'[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\BFE\Parameters\Policy\BootTime\Filter]' \
	>"$W/iscsi-boot.reg"

# ---------------------------------------------------------------- the ISO

# The options of tests/iso-lib.sh mkiso (Microsoft's layout: BIOS and UEFI
# El Torito entries, the boot catalog hidden), shared by the source and the
# script, which rebuilds with the options the source was made with.
cat >"$W/mkiso.sh" <<'EOF'
#!/bin/sh
# mkiso.sh DIR ISO LABEL: a Windows-shaped UDF + ISO 9660 image of DIR.
set -eu
exec genisoimage -quiet -input-charset utf-8 -udf -allow-limited-size -iso-level 3 -J -joliet-long \
	-V "$3" -c boot.catalog -hide boot.catalog -hide-joliet boot.catalog \
	-b boot/etfsboot.com -no-emul-boot -boot-load-size 8 -eltorito-alt-boot \
	-e efi/microsoft/boot/efisys.bin -no-emul-boot -o "$2" "$1"
EOF

# randfiles DIR BYTES SEED: files of 256 KiB to 8 MiB of random bytes,
# BYTES in all, 50 per WinSxS-like directory.
randfiles() {
	awk -v root="$1" -v total="$2" -v seed="$3" 'BEGIN {
		srand(seed)
		for (i = 0; total > 0; i++) {
			if (i % 50 == 0)
				dir = sprintf("%s/Windows/WinSxS/amd64_bench-payload-%04d_31bf3856ad364e35_10.0.19041.%d_none", root, i / 50, int(rand() * 4000))
			n = int(262144 + rand() * (8388608 - 262144))
			if (n > total) n = total
			printf "%s %s/payload_%05d.dll\n", n, dir, i
			total -= n
		}
	}' | while read -r n f; do
		[ -d "${f%/*}" ] || mkdir -p "${f%/*}"
		head -c "$n" /dev/urandom >"$f"
	done
}

# images TREE WIM TYPE HIVE COMPRESS [--boot]: two images of TREE in WIM, each with HIVE as
# its SYSTEM hive made its own (one value differs, as editions' do) and a
# few files of its own; the second is the boot image.
images() {
	mkdir -p "$1/Windows/System32/config"
	cp "$4" "$1/Windows/System32/config/SYSTEM"
	for i in 1 2; do
		rm -rf "$1/Program Files/edition"
		mkdir -p "$1/Program Files/edition"
		for k in $(seq 1 20); do
			printf 'edition %d file %d\n' "$i" "$k" >"$1/Program Files/edition/file_$k.txt"
		done
		printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
			'[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ProductOptions]' \
			"\"BenchEdition\"=\"$3 $i\"" >"$W/edition.reg"
		hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
			"$1/Windows/System32/config/SYSTEM" "$W/edition.reg"
		if [ "$i" = 1 ]; then
			wimlib-imagex capture "$1" "$2" "$3 1" --compress="$5" \
				--image-property "WINDOWS/INSTALLATIONTYPE=$3" >/dev/null
		else
			[ "$3" != WindowsPE ] || printf 'setup' >"$1/setup.exe"
			wimlib-imagex append "$1" "$2" "$3 2" ${6:+"$6"} \
				--image-property "WINDOWS/INSTALLATIONTYPE=$3" >/dev/null
		fi
	done
}

# buildiso ISO: the source image, GIB GiB in all.
buildiso() {
	m=$W/build/medium
	rm -rf "$W/build"
	mkdir -p "$W/build/pe" "$m/sources" "$m/boot/fonts" "$m/efi/microsoft/boot" "$m/support"
	randfiles "$W/build/pe" $((3 * 1048576)) 1
	images "$W/build/pe" "$m/sources/boot.wim" WindowsPE "$W/SYSTEM-pe" LZX --boot
	rm -rf "$W/build/pe"
	# The rest of the medium (below) and the ISO's own structures take
	# about 1 MiB; install.wim gets what is left of GIB GiB.
	rest=$(awk -v g="$GIB" -v b="$(wc -c <"$m/sources/boot.wim")" \
		'BEGIN { printf "%.0f", g * 1073741824 - b - 1048576 }')
	say "writing $((rest / 1048576)) MiB of random files ..."
	randfiles "$W/build/tree" "$rest" 2
	say "capturing install.wim ($COMPRESS, 2 images) ..."
	images "$W/build/tree" "$m/sources/install.wim" Client "$W/SYSTEM-installed" "$COMPRESS"
	rm -rf "$W/build/tree"
	cp "$W/BCD-media" "$m/boot/BCD"
	cp "$W/BCD-media" "$m/efi/microsoft/boot/BCD"
	yes etfsboot | head -c 4096 >"$m/boot/etfsboot.com"
	yes efisys | head -c 1474560 >"$m/efi/microsoft/boot/efisys.bin"
	printf 'font' >"$m/boot/fonts/segmono_boot.ttf"
	printf 'bootmgr' >"$m/bootmgr"
	printf 'bootmgr.efi' >"$m/bootmgr.efi"
	printf 'setup' >"$m/setup.exe"
	printf '[autorun]\r\nopen=setup.exe\r\n' >"$m/autorun.inf"
	printf 'wimpatch bench\n' >"$m/support/readme.txt"
	say "writing the ISO ..."
	sh "$W/mkiso.sh" "$m" "$1.tmp" BENCH_X64FRE_EN-US_DV9
	rm -rf "$W/build"
	mv "$1.tmp" "$1"
}

cache=${BENCH_ISO_CACHE:-$W}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
key=$(cat "$W/SYSTEM-installed" "$W/SYSTEM-pe" "$W/BCD-media" "$W/mkiso.sh" | sha256sum | cut -c1-12)
SRC=$cache/wimpatch-bench-$GIB-GiB-$COMPRESS-$key.iso
t0=$(date +%s)
if [ -f "$SRC" ]; then
	say "reusing $SRC"
	built="reused from BENCH_ISO_CACHE"
else
	say "building a $GIB GiB ISO in $SRC ..."
	buildiso "$SRC"
	built="built in $(($(date +%s) - t0)) s"
fi
isosize=$(wc -c <"$SRC")
label=$(isoinfo -d -i "$SRC" | sed -n 's/^Volume id: //p')
say "source: $(awk -v s="$isosize" 'BEGIN { printf "%.2f GiB", s / 1073741824 }'), label $label ($built)"
sum0=$(sha256sum <"$SRC")

# ---------------------------------------------------------------- contenders

# The script an admin writes today: 7-Zip out, every image of both WIMs
# patched as bench.sh's script does, genisoimage back with the source's
# options.  -tudf: the UDF tree is the one that has install.wim whole.
cat >"$W/script.sh" <<'EOF'
#!/bin/sh
# script.sh SRC.ISO OUT.ISO REGFILE SCRATCH MKISO: patch every image's SYSTEM hive.
set -eu
rm -rf "$4"
mkdir -p "$4/hive"
7zz x -tudf -y -bd -bso0 -bsp0 -o"$4/iso" "$1"
label=$(isoinfo -d -i "$1" | sed -n 's/^Volume id: //p')
for wim in "$4"/iso/sources/boot.wim "$4"/iso/sources/install.wim; do
	n=$(wimlib-imagex info "$wim" | tr -s ' ' | sed -n 's/^Image Count: //p')
	i=1
	while [ "$i" -le "$n" ]; do
		rm -f "$4/hive/SYSTEM"
		wimlib-imagex extract "$wim" "$i" /Windows/System32/config/SYSTEM \
			--dest-dir="$4/hive" >/dev/null
		hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$4/hive/SYSTEM" "$3"
		wimlib-imagex update "$wim" "$i" \
			--command="add '$4/hive/SYSTEM' /Windows/System32/config/SYSTEM" >/dev/null
		i=$((i + 1))
	done
done
sh "$5" "$4/iso" "$2" "$label"
rm -rf "$4"
sync
EOF

# df's free bytes on the file system of $W.
avail() { df -B1 --output=avail "$W" | tail -1 | tr -d ' '; }
# du's bytes in $W, where every contender writes: unlike df, blind to
# other jobs (and to files deleted while open).
used() { du -s -B1 "$W" 2>/dev/null | cut -f1; }

# poll LOW HIGH: every 0.2 s, each new low of avail appended to LOW and
# each new high of used to HIGH (appended, so that the kill that ends it
# never leaves a file empty).
poll() {
	low=$(avail) high=$(used)
	echo "$low" >>"$1"
	echo "$high" >>"$2"
	while :; do
		a=$(avail) u=$(used)
		if [ "$a" -lt "$low" ]; then
			low=$a
			echo "$low" >>"$1"
		fi
		if [ "$u" -gt "$high" ]; then
			high=$u
			echo "$high" >>"$2"
		fi
		sleep 0.2
	done
}

# run NAME CMD...: one timed run of CMD (output $W/out.iso); appends
# "seconds maxrss-KiB extra-bytes-by-df extra-bytes-by-du" to
# $W/NAME.times, or says why it failed into $W/NAME.failed.
run() {
	# (not "name": contender keeps its own, and shell variables are global)
	rn=$1
	shift
	rm -f "$W/out.iso"
	sync
	base=$(avail) ubase=$(used)
	rm -f "$W/low" "$W/high"
	poll "$W/low" "$W/high" &
	poller=$!
	rc=0
	"$TIME" -f '%e %M' -o "$W/t.out" "$@" >"$W/$rn.out" 2>"$W/$rn.err" || rc=$?
	a=$(avail) u=$(used)
	kill "$poller"
	wait "$poller" 2>/dev/null || true
	poller=
	low=$(awk -v low="$a" '$1 != "" && $1 < low { low = $1 } END { print low }' "$W/low")
	high=$(awk -v high="$u" '$1 != "" && $1 > high { high = $1 } END { print high }' "$W/high")
	if [ "$rc" -ne 0 ]; then
		say "$rn failed ($rc): $(tail -5 "$W/$rn.err")"
		echo "exit status $rc: $(tail -1 "$W/$rn.err")" >"$W/$rn.failed"
		return 0
	fi
	echo "$(tail -1 "$W/t.out") $((base - low)) $((high - ubase))" >>"$W/$rn.times"
}

# unchanged OUT: "SAME TOTAL", the source's 2048-byte sectors found
# unchanged at the same offset in OUT.
cat >"$W/sectors.py" <<'EOF'
import sys
same = total = 0
with open(sys.argv[1], "rb") as a, open(sys.argv[2], "rb") as b:
	while True:
		x = a.read(1 << 20)
		if not x:
			break
		y = b.read(len(x))
		n = (len(x) + 2047) // 2048
		total += n
		if x == y:
			same += n
			continue
		for i in range(0, len(x), 2048):
			if x[i:i + 2048] == y[i:i + 2048]:
				same += 1
print(same, total)
EOF
unchanged() { python3 "$W/sectors.py" "$SRC" "$1"; }

# valid NAME OUT: the edits are in every image of both WIMs of OUT, each
# WIM still has its 2 images, and OUT keeps its 2 El Torito entries;
# otherwise NAME.failed says what is wrong.
valid() {
	rm -rf "$W/v"
	mkdir -p "$W/v/hive"
	if ! 7zz x -tudf -y -bd -bso0 -bsp0 -o"$W/v" "$2" sources/boot.wim sources/install.wim \
		>"$W/v.err" 2>&1; then
		echo "7zz cannot extract the WIMs: $(tail -2 "$W/v.err")" >>"$W/$1.failed"
		return 0
	fi
	for wim in boot install; do
		n=$(wimlib-imagex info "$W/v/sources/$wim.wim" 2>&1 | tr -s ' ' | sed -n 's/^Image Count: //p')
		[ "$n" = 2 ] || echo "$wim.wim has '$n' images, not 2" >>"$W/$1.failed"
		for i in 1 2; do
			rm -f "$W/v/hive/SYSTEM"
			wimlib-imagex extract "$W/v/sources/$wim.wim" "$i" /Windows/System32/config/SYSTEM \
				--dest-dir="$W/v/hive" >/dev/null 2>&1 || true
			v=$(hivexget "$W/v/hive/SYSTEM" 'ControlSet001\Control\CrashControl' CrashDumpEnabled 2>&1 || true)
			[ "$v" = 0 ] || echo "$wim.wim image $i: CrashDumpEnabled is '$v', not 0" >>"$W/$1.failed"
		done
	done
	rm -rf "$W/v"
	e=$(xorriso -no_rc -indev "$2" -report_el_torito plain 2>&1 | grep -c '^El Torito boot img :' || true)
	[ "$e" = 2 ] || echo "$e El Torito boot entries, not 2" >>"$W/$1.failed"
	[ ! -f "$W/$1.failed" ] || say "$1: FAILED: $(paste -s -d';' "$W/$1.failed")"
}

# contender NAME CMD...: BENCH_WARM=1's untimed run, then ROUNDS timed
# runs; the first one's output is compared with the source and checked.
contender() {
	name=$1
	shift
	say "$name ..."
	if [ "$WARM" = 1 ]; then
		run warm "$@"
		rm -f "$W/warm.times" "$W/warm.failed"
	fi
	r=1
	while [ "$r" -le "$ROUNDS" ] && [ ! -f "$W/$name.failed" ]; do
		run "$name" "$@"
		if [ "$r" = 1 ] && [ ! -f "$W/$name.failed" ] && [ "$name" != cp ]; then
			unchanged "$W/out.iso" >"$W/$name.sectors"
			valid "$name" "$W/out.iso"
		fi
		r=$((r + 1))
	done
	rm -rf "$W/out.iso" "$W/scratch" "$W/tmp"
}

REBUILD=
"$WIMPATCH" apply --help 2>&1 | grep -q -e '--rebuild-iso' && REBUILD=1
mkdir -p "$W/tmp"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# shellcheck disable=SC2016 # the quoted words are the inner shell's
contender cp sh -c 'cp "$1" "$2" && sync' sh "$SRC" "$W/out.iso"
contender script sh "$W/script.sh" "$SRC" "$W/out.iso" "$W/iscsi-boot.reg" "$W/scratch" "$W/mkiso.sh"
# wimpatch's scratch goes next to the output (its --work-dir default) and
# its TMPDIR into $W too, so that df sees all it writes.
# shellcheck disable=SC2016,SC2086
contender wimpatch sh -c 'mkdir -p "$1" && TMPDIR=$1 && export TMPDIR && shift && "$@" && sync' \
	sh "$W/tmp" "$WIMPATCH" apply -q $DIRTY -p iscsi-boot "$SRC" -o "$W/out.iso"
if [ -n "$REBUILD" ]; then
	# shellcheck disable=SC2016,SC2086
	contender rebuild sh -c 'mkdir -p "$1" && TMPDIR=$1 && export TMPDIR && shift && "$@" && sync' \
		sh "$W/tmp" "$WIMPATCH" apply -q $DIRTY --rebuild-iso -p iscsi-boot "$SRC" -o "$W/out.iso"
fi
[ "$(sha256sum <"$SRC")" = "$sum0" ] || {
	say "the source ISO changed!"
	echo "the source ISO changed" >>"$W/wimpatch.failed"
}

# ---------------------------------------------------------------- report
median() { awk '{ print $1 }' "$W/$1.times" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
maxcol() { awk -v c="$2" '$c > m { m = $c } END { printf "%.0f", m }' "$W/$1.times"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rss() { awk -v k="$(maxcol "$1" 2)" 'BEGIN { printf "%.0f", k / 1024 }'; }
extra() { maxcol "$1" 3; }
extradu() { maxcol "$1" 4; }
pct() { awk '{ printf "%.2f", 100 * $1 / $2 }' "$W/$1.sectors"; }
# met WHETHER: "met" or "not met" for an awk condition.
met() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "not met"; fi; }

line() {
	if [ ! -f "$W/$1.times" ]; then
		printf '| %s | FAILED | | | | | %s |\n' "$2" "$(paste -s -d';' "$W/$1.failed")"
		return
	fi
	if [ -f "$W/$1.sectors" ]; then s="$(pct "$1") %"; else s=-; fi
	if [ -f "$W/cp.times" ]; then x=$(ratio "$(median "$1")" "$(median cp)"); else x=-; fi
	if [ -f "$W/$1.failed" ]; then ok="FAILED: $(paste -s -d';' "$W/$1.failed")"
	elif [ "$1" = cp ]; then ok=-
	else ok=valid; fi
	printf '| %s | %s s | %s | %s MiB (%sx ISO) | %s MiB | %s | %s |\n' "$2" "$(median "$1")" \
		"$x" "$(($(extra "$1") / 1048576))" \
		"$(ratio "$(extra "$1")" "$isosize")" "$(rss "$1")" "$s" "$ok"
}

echo
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo);" \
	"load average $load0 before the timings, $(cut -d' ' -f1-3 /proc/loadavg) after"
# (%.0f: mawk's %d stops at 2^31 - 1)
wimsize=$(7zz l -tudf -slt "$SRC" sources/install.wim | sed -n 's/^Size = //p')
echo "source: $(awk -v s="$isosize" 'BEGIN { printf "%.2f GiB (%.0f bytes)", s / 1073741824, s }')," \
	"install.wim $(awk -v s="$wimsize" 'BEGIN { printf "%.2f GiB", s / 1073741824 }')," \
	"2 images ($COMPRESS, random data), boot.wim 2 images; hive: ${BENCH_HIVE:-test fixture};" \
	"$ROUNDS round(s), medians$( [ "$WARM" = 1 ] && echo ', each after an untimed run')"
echo
echo "| | wall | x cp | extra disk | peak RSS | sectors unchanged | output |"
echo "|---|---|---|---|---|---|---|"
line cp 'cp + sync'
line script 'script (7zz, hivexregedit, wimlib-imagex, genisoimage)'
line wimpatch 'wimpatch apply -o'
[ -z "$REBUILD" ] || line rebuild 'wimpatch apply --rebuild-iso -o'
echo
for n in cp script wimpatch rebuild; do
	[ ! -f "$W/$n.times" ] || printf '%s %s MiB (%sx ISO)\n' "$n" "$(($(extradu "$n") / 1048576))" \
		"$(ratio "$(extradu "$n")" "$isosize")"
done | paste -s -d, - | sed 's/,/, /g; s/^/extra disk by du of the work directory (not counting other jobs): /'
echo "(the df and du polls are 0.2 s apart: they can miss the peak of a run of a few seconds)"
for n in cp script wimpatch rebuild; do
	[ ! -f "$W/$n.times" ] || awk -v n="$n" -v f="$(extra "$n")" -v u="$(extradu "$n")" 'BEGIN {
		if (f > 1.1 * u || u > 1.1 * f)
			printf "(%s: df and du differ by more than 10 %%: other jobs wrote to or freed space on the file system)\n", n
	}'
done
echo
if [ -f "$W/wimpatch.failed" ]; then
	echo "issue 13 goals: not met (wimpatch's output is not a valid result)"
elif [ -f "$W/cp.times" ]; then
	wp=$(median wimpatch) c=$(median cp)
	echo "wimpatch / cp (goal <= 1.5x):                $(ratio "$wp" "$c")x, $(met "$wp <= 1.5 * $c")"
	if [ -f "$W/script.times" ]; then
		sc=$(median script)
		echo "script / wimpatch (goal >= 2x):              $(ratio "$sc" "$wp")x, $(met "$sc >= 2 * $wp")"
	fi
	x=$(extra wimpatch)
	echo "extra disk of wimpatch (goal <= 1.2x ISO):   $(ratio "$x" "$isosize")x, $(met "$x <= 1.2 * $isosize")" \
		"(du: $(ratio "$(extradu wimpatch)" "$isosize")x)"
	if [ -f "$W/wimpatch.sectors" ]; then
		echo "sectors unchanged by wimpatch (goal >= 99 %): $(pct wimpatch) %, $(met "$(pct wimpatch) >= 99")"
	fi
	echo "peak RSS of wimpatch (goal < 300 MiB):       $(rss wimpatch) MiB, $(met "$(rss wimpatch) < 300")"
fi
failed=0
for n in script wimpatch rebuild; do
	[ ! -f "$W/$n.failed" ] || failed=1
done
if [ "$failed" = 1 ]; then
	say "some outputs are not valid results (FAILED above)"
	exit 1
fi
