# boot-lib.sh - boot files that prove a medium boots, and QEMU runs of
# it, for the boot tests; sourced after lib.sh ($T) and iso-lib.sh.
#
# The boot files are built from tests/boot/ on every run, never kept as
# binaries: etfsboot.com (nasm) writes WIMPATCH-BIOS-MARKER to COM1, and
# efisys.bin (mtools), a 1.44 MB FAT12 image as Microsoft's is, holds
# EFI/BOOT/BOOTX64.EFI (gnu-efi), which prints WIMPATCH-UEFI-MARKER;
# efisys_noprompt.bin the same with WIMPATCH-UEFI-NOPROMPT-MARKER.
# A missing tool fails the test with the package that has it.

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
EFI_INC=/usr/include/efi
EFI_LIB=/usr/lib
# Generous: CI runs the suite under valgrind and ASan beside these boots
# (QEMU itself never runs under them); a boot takes seconds.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}

# boot_need PACKAGE FILE|PROGRAM...: bail out naming PACKAGE if one is missing.
boot_need() {
	pkg=$1; shift
	for x in "$@"; do
		case $x in
		/*) [ -e "$x" ] && continue ;;
		*) command -v "$x" >/dev/null 2>&1 && continue ;;
		esac
		echo "Bail out! $x not found: install $pkg (./build.sh installs it)"
		exit 99
	done
}

boot_need nasm nasm
boot_need gnu-efi "$EFI_INC/efi.h" "$EFI_LIB/crt0-efi-x86_64.o" "$EFI_LIB/elf_x86_64_efi.lds" "$EFI_LIB/libgnuefi.a"
boot_need build-essential gcc ld objcopy
boot_need mtools mformat mmd mcopy
boot_need qemu-system-x86 qemu-system-x86_64
boot_need ovmf "$OVMF_CODE" "$OVMF_VARS"
boot_need coreutils timeout

# boot_run DESC CMD...: CMD exits 0, or the test bails out showing its stderr.
boot_run() {
	d=$1; shift
	"$@" >"$T/.boot.err" 2>&1 || {
		echo "Bail out! $d failed: $*: $(tail -n 5 "$T/.boot.err")"
		exit 99
	}
}

# efi_floppy DIR NAME [CFLAG]: DIR/NAME, a 1.44 MB FAT12 image holding
# EFI/BOOT/BOOTX64.EFI built from efi-marker.c with CFLAG.
efi_floppy() {
	b=$1 s=$top_srcdir/tests/boot
	# The flags and the link gnu-efi's documentation gives for x86_64:
	# a position-independent ELF shared object, turned into PE32+.
	boot_run "compiling efi-marker.c" gcc -std=c11 -O2 -Wall -I"$EFI_INC" -I"$EFI_INC/x86_64" \
		-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
		-mno-red-zone -maccumulate-outgoing-args ${3:-} -c -o "$b/efi-marker.o" "$s/efi-marker.c"
	boot_run "linking efi-marker" ld -shared -Bsymbolic -nostdlib -znocombreloc \
		-T "$EFI_LIB/elf_x86_64_efi.lds" "$EFI_LIB/crt0-efi-x86_64.o" "$b/efi-marker.o" \
		-o "$b/efi-marker.so" -L"$EFI_LIB" -lefi -lgnuefi
	boot_run "objcopy to PE32+" objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc \
		--target efi-app-x86_64 --subsystem=10 "$b/efi-marker.so" "$b/BOOTX64.EFI"
	rm -f "$b/$2"
	boot_run "mformat" mformat -C -f 1440 -i "$b/$2" ::
	boot_run "mmd" mmd -i "$b/$2" ::/EFI ::/EFI/BOOT
	boot_run "mcopy" mcopy -i "$b/$2" "$b/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
}

# mkbootfiles DIR: DIR/etfsboot.com, DIR/efisys.bin and
# DIR/efisys_noprompt.bin.
mkbootfiles() {
	mkdir -p "$1"
	boot_run "nasm" nasm -f bin -o "$1/etfsboot.com" "$top_srcdir/tests/boot/bios-marker.asm"
	efi_floppy "$1" efisys_noprompt.bin -DNOPROMPT
	efi_floppy "$1" efisys.bin
}

# media_bootable DIR BOOTFILES: the medium DIR (mkmedia) with the marker
# boot files from mkbootfiles in place of its dummy ones (an ARM-style
# medium, without boot/etfsboot.com, stays without it).
media_bootable() {
	[ ! -f "$1/boot/etfsboot.com" ] || cp "$2/etfsboot.com" "$1/boot/etfsboot.com"
	cp "$2/efisys.bin" "$1/efi/microsoft/boot/efisys.bin"
	cp "$2/efisys_noprompt.bin" "$1/efi/microsoft/boot/efisys_noprompt.bin"
}

# qemu_boot bios|uefi ISO LOG: boot ISO from a CD drive under SeaBIOS or
# OVMF (TCG: no KVM assumed), COM1 into LOG and the firmware's own debug
# output into LOG.fw; QEMU's exit status, 124 if it ran out of time.
# The BIOS marker ends QEMU through isa-debug-exit (status 1), the UEFI
# one powers off (status 0); a BIOS that finds nothing to boot reboots at
# once (reboot-timeout=0), which -no-reboot turns into an exit.
qemu_boot() {
	fw=$1 iso=$2 log=$3
	rm -f "$log" "$log.fw"
	case $fw in
	bios)
		set -- -boot order=d,strict=on,reboot-timeout=0 \
			-chardev file,id=fwlog,path="$log.fw" -device isa-debugcon,iobase=0x402,chardev=fwlog ;;
	uefi)
		# A fresh variable store each time: no boot entry of an
		# earlier boot can decide this one.
		cp "$OVMF_VARS" "$T/ovmf-vars.fd"
		set -- -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
			-drive if=pflash,format=raw,unit=1,file="$T/ovmf-vars.fd" -boot order=d ;;
	esac
	timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 256 -display none -nic none \
		-no-user-config -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 \
		-drive file="$iso",media=cdrom,format=raw,readonly=on -serial file:"$log" "$@" \
		</dev/null >"$log.qemu" 2>&1
}

# log_tail LOG: the end of a serial log, terminal escapes removed, each
# line a TAP comment (a log line saying "ok" must not count as a result).
log_tail() {
	sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g' "$1" 2>/dev/null | tr '\r' '\n' | grep -v '^ *$' |
		tail -n 8 | sed 's/^/#   /'
}

# t_boots bios|uefi ISO NAME [MARKER]: ISO boots under that firmware and
# its boot file prints the marker (the firmware's, or MARKER).
t_boots() {
	fw=$1 iso=$2 name=$3
	case $fw in bios) marker=WIMPATCH-BIOS-MARKER want=1 fwname=SeaBIOS ;;
	uefi) marker=WIMPATCH-UEFI-MARKER want=0 fwname=OVMF ;; esac
	marker=${4:-$marker}
	log=$T/boot-$name-$fw.log
	qemu_boot "$fw" "$iso" "$log"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -aqF "$marker" "$log"; then
		t_pass "$name boots under $fwname: $marker"
		return
	fi
	if [ "$rc" -eq 124 ]; then why="QEMU still running after $BOOT_TIMEOUT s, killed"
	elif [ "$rc" -ne "$want" ]; then why="QEMU exit $rc, expected $want"
	else why="QEMU exit $rc"; fi
	t_fail "$name boots under $fwname: $marker" "$iso: $why; no $marker in the serial log" \
		"serial log tail:
$(log_tail "$log")" "qemu: $(tail -n 3 "$log.qemu" | tr '\n' ' ')" "firmware log tail:
$(log_tail "$log.fw")"
}
