# iso-lib.sh - small synthetic Windows media for the ISO tests, sourced
# after lib.sh ($T, $FIXTURES): a tree shaped like Microsoft's media and
# an ISO of it written by genisoimage as Microsoft lays theirs out.

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
