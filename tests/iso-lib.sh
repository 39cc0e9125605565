# iso-lib.sh - small synthetic Windows media for the ISO tests, sourced
# after lib.sh ($T, $FIXTURES): a tree shaped like Microsoft's media
# (mkmedia), ISOs of it in two layouts: genisoimage's UDF + ISO 9660 +
# Joliet (mkiso) and Microsoft's own, UDF only but for README.TXT
# (mkiso_ms, by pycdlib), and the bytes at an El Torito entry's blocks
# (torito_bytes).

# mkmedia DIR [arm|upper]: a small medium.  arm: no boot/etfsboot.com;
# upper: names spelled as some media have them (SOURCES/BOOT.WIM).
mkmedia() {
	d=$1
	if [ "${2:-}" = upper ]; then S=SOURCES bw=BOOT.WIM iw=INSTALL.WIM
	else S=sources bw=boot.wim iw=install.wim; fi
	mkdir -p "$d/$S" "$d/boot/fonts" "$d/efi/microsoft/boot" "$d/support/logging/a/b/c/d" "$d/empty"
	cp "$FIXTURES/boot.wim" "$d/$S/$bw"
	cp "$FIXTURES/install.wim" "$d/$S/$iw"
	cp "$FIXTURES/BCD-media" "$d/boot/BCD"
	cp "$FIXTURES/BCD-media" "$d/efi/microsoft/boot/BCD"
	[ "${2:-}" = arm ] || yes etfsboot | head -c 2048 >"$d/boot/etfsboot.com"
	yes efisys | head -c 32768 >"$d/efi/microsoft/boot/efisys.bin"
	printf 'font' >"$d/boot/fonts/segmono_boot.ttf"
	printf 'bootmgr' >"$d/bootmgr"
	printf 'bootmgr.efi' >"$d/bootmgr.efi"
	printf 'setup' >"$d/setup.exe"
	printf '[autorun]\n' >"$d/autorun.inf"
	printf 'deep' >"$d/support/logging/a/b/c/d/deep.txt"
	: >"$d/support/empty.txt"
}

# mkiso DIR ISO LABEL: laid out as Microsoft's media are (the boot
# catalog hidden; no boot/etfsboot.com: a UEFI entry only).
mkiso() {
	d=$1 iso=$2 label=$3
	if [ -f "$d/boot/etfsboot.com" ]; then
		set -- -b boot/etfsboot.com -no-emul-boot -boot-load-size 8 -eltorito-alt-boot
	else
		set --
	fi
	genisoimage -quiet -input-charset utf-8 -udf -allow-limited-size -iso-level 3 -J -joliet-long \
		-V "$label" -c boot.catalog -hide boot.catalog -hide-joliet boot.catalog "$@" \
		-e efi/microsoft/boot/efisys.bin -no-emul-boot -o "$iso" "$d" 2>"$T/.mkiso.err" || {
		echo "Bail out! genisoimage failed: $(cat "$T/.mkiso.err")"
		exit 99
	}
}

# mkiso_ms DIR ISO LABEL: laid out as Microsoft's media are, written by
# pycdlib (tests/mkmsiso.py says how): every file in UDF 1.02 only, the
# ISO 9660 tree holding README.TXT alone, no Joliet, the boot catalog in
# neither tree.  A missing pycdlib fails the test, naming the package.
mkiso_ms() {
	if [ -z "${MS_PYTHON:-}" ]; then
		# /usr/bin/python3 too: a python3 earlier on PATH (pyenv,
		# a venv) does not see Debian's python3-pycdlib.
		for MS_PYTHON in python3 /usr/bin/python3 ""; do
			[ -n "$MS_PYTHON" ] && "$MS_PYTHON" -c 'import pycdlib' 2>/dev/null && break
		done
		if [ -z "$MS_PYTHON" ]; then
			echo "Bail out! no python3 with pycdlib: install python3-pycdlib (./build.sh installs it)"
			exit 99
		fi
	fi
	"$MS_PYTHON" "$top_srcdir/tests/mkmsiso.py" "$1" "$2" "$3" 2>"$T/.mkiso.err" || {
		echo "Bail out! tests/mkmsiso.py failed: $(tail -n 5 "$T/.mkiso.err")"
		exit 99
	}
}

# torito_bytes ISO N BYTES: the first BYTES bytes at El Torito entry N's
# block, as xorriso reads the catalog.
torito_bytes() {
	lba=$(xorriso -indev "$1" -report_el_torito plain 2>/dev/null |
		awk -v n="$2" '/^El Torito boot img :/ && $6 == n { print $13 }')
	[ -n "$lba" ] || return 1
	dd if="$1" bs=2048 skip="$lba" count=$(( ($3 + 2047) / 2048 )) 2>/dev/null | head -c "$3"
}
