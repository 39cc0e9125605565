#!/bin/sh
# make-fixtures.sh OUTDIR MKHIVE
#
# Build the registry hive and WIM fixtures used by wimpatch's tests:
#
#   OUTDIR/SYSTEM-installed SYSTEM-pe SYSTEM-noselect SOFTWARE   (hives)
#   OUTDIR/boot.wim      LZX; 1 "Microsoft Windows PE (x64)",
#                        2 "Microsoft Windows Setup (x64)" (boot index 2)
#   OUTDIR/install.wim   LZX; 1 Home, 2 Education, 3 Pro ("Windows/system32")
#   OUTDIR/install.esd   install.wim exported as solid LZMS
#   OUTDIR/nohive.wim    one image without Windows/System32/config/SYSTEM
#
# MKHIVE is the path of the built tests/mkhive program.  Spec files are read
# from the fixtures/ directory next to this script (override: FIXTURES_DIR);
# the wimlib-imagex program can be overridden with WIMLIB_IMAGEX.
# Idempotent: outputs are rebuilt from scratch on every run.  Prints nothing
# on success.

set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 OUTDIR MKHIVE" >&2
    exit 2
fi
out=$1
mkhive=$2
fixtures=${FIXTURES_DIR:-$(cd "$(dirname "$0")" && pwd)/fixtures}
wimlib=${WIMLIB_IMAGEX:-wimlib-imagex}

mkdir -p "$out"
work=$out/.work
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# wimlib-imagex reports progress on stdout; keep only errors (stderr).
wim() {
    "$wimlib" "$@" >/dev/null
}

# ---------------------------------------------------------------- hives

"$mkhive" "$out/SYSTEM-installed" "$fixtures/system-installed.reg" ROOT
"$mkhive" "$out/SYSTEM-pe" "$fixtures/system-pe.reg" ROOT
"$mkhive" "$out/SYSTEM-noselect" "$fixtures/system-noselect.reg" ROOT
"$mkhive" "$out/SOFTWARE" "$fixtures/software.reg" ROOT
# BCD stores shaped like install media's (root key "System", as there).
"$mkhive" "$out/BCD-media" "$fixtures/bcd-media.reg" System
"$mkhive" "$out/BCD-nodbg" "$fixtures/bcd-nodbg.reg" System
"$mkhive" "$out/BCD-empty" "$fixtures/bcd-empty.reg" NewStoreRoot

# Filler for DEFAULT, SAM, SECURITY and NTUSER.DAT (wimpatch never reads them).
cat >"$work/small.reg" <<'EOF'
[Fixture]
"Purpose"="wimpatch test filler hive"
EOF
"$mkhive" "$work/small.hive" "$work/small.reg"

# SOFTWARE of the PE images.  wimlib-imagex also reads this hive while
# capturing to fill the image XML; the properties set below override it.
cat >"$work/software-pe.reg" <<'EOF'
[Microsoft\Windows NT\CurrentVersion]
"ProductName"="Windows PE"
"EditionID"="WindowsPE"
"InstallationType"="WindowsPE"
"CurrentBuild"="19041"
"CurrentBuildNumber"="19041"
"CurrentMajorVersionNumber"=dword:0000000a
"CurrentMinorVersionNumber"=dword:00000000
EOF
"$mkhive" "$work/software-pe.hive" "$work/software-pe.reg"

# ---------------------------------------------------------------- trees

# put FILE CONTENT: create FILE (and its directories) holding CONTENT.
# Files given the same CONTENT are stored once in a WIM (deduplication).
put() {
    mkdir -p "$(dirname "$1")"
    printf 'MZ wimpatch fixture: %s\n' "$2" >"$1"
}

# config_dir DIR SYSTEM SOFTWARE: populate a Windows/System32/config.
config_dir() {
    mkdir -p "$1"
    cp "$2" "$1/SYSTEM"
    cp "$3" "$1/SOFTWARE"
    for h in DEFAULT SAM SECURITY; do
        cp "$work/small.hive" "$1/$h"
    done
}

# install_tree DIR SYSDIR EDITIONID: an installed Windows 10 22H2.  SYSDIR
# is the spelling of the System32 directory.
install_tree() {
    d=$1 sys=$1/Windows/$2 ed=$3
    for f in ntdll kernel32 kernelbase user32 advapi32 shell32 ci; do
        put "$sys/$f.dll" "$f.dll 10.0.19041"
    done
    put "$sys/ntoskrnl.exe" "ntoskrnl.exe 10.0.19041"
    put "$sys/smss.exe" "smss.exe 10.0.19041"
    for f in ndis msiscsi tcpip disk storport acpi; do
        put "$sys/drivers/$f.sys" "$f.sys 10.0.19041"
    done
    put "$sys/drivers/etc/hosts" "hosts"
    put "$sys/drivers/etc/services" "services"
    config_dir "$sys/config" "$out/SYSTEM-installed" "$out/SOFTWARE"
    # The 32-bit copies have the same bytes here, so they deduplicate.
    put "$d/Windows/SysWOW64/ntdll.dll" "ntdll.dll 10.0.19041"
    put "$d/Windows/SysWOW64/kernel32.dll" "kernel32.dll 10.0.19041"
    put "$d/Windows/explorer.exe" "explorer.exe 10.0.19041"
    put "$d/Windows/win.ini" "win.ini"
    put "$d/Program Files/Common Files/microsoft shared/ink/tipband.dll" \
        "tipband.dll"
    put "$d/Program Files/Windows Defender/MsMpEng.exe" "MsMpEng.exe"
    put "$d/Program Files/Internet Explorer/iexplore.exe" "iexplore.exe"
    put "$d/Program Files (x86)/Internet Explorer/iexplore.exe" "iexplore.exe"
    put "$d/ProgramData/Microsoft/Windows/Start Menu/Programs/desktop.ini" \
        "desktop.ini"
    mkdir -p "$d/Users/Default"
    cp "$work/small.hive" "$d/Users/Default/NTUSER.DAT"
    # The few files that differ between editions.
    put "$d/Windows/$ed.xml" "$ed.xml"
    put "$sys/license.rtf" "license.rtf $ed"
    put "$sys/spp/tokens/skus/$ed/$ed-ul-oob.xrm-ms" "$ed-ul-oob.xrm-ms"
}

# pe_tree DIR: a Windows PE image (boot.wim index 1).
pe_tree() {
    sys=$1/Windows/System32
    for f in ntdll kernel32 kernelbase user32 advapi32; do
        put "$sys/$f.dll" "$f.dll 10.0.19041 PE"
    done
    put "$sys/ntoskrnl.exe" "ntoskrnl.exe 10.0.19041 PE"
    put "$sys/winpeshl.exe" "winpeshl.exe"
    put "$sys/wpeinit.exe" "wpeinit.exe"
    put "$sys/startnet.cmd" "startnet.cmd"
    for f in ndis msiscsi tcpip disk storport; do
        put "$sys/drivers/$f.sys" "$f.sys 10.0.19041 PE"
    done
    config_dir "$sys/config" "$out/SYSTEM-pe" "$work/software-pe.hive"
    put "$1/Windows/win.ini" "win.ini"
    put "$1/Program Files/Windows NT/Accessories/wordpad.exe" "wordpad.exe"
}

install_tree "$work/home" System32 Core
install_tree "$work/education" System32 Education
install_tree "$work/pro" system32 Professional

pe_tree "$work/pe"
pe_tree "$work/setup"
put "$work/setup/setup.exe" "setup.exe"
put "$work/setup/sources/setup.exe" "sources/setup.exe"
for f in setupcore wdsclient unattend spwizeng; do
    put "$work/setup/sources/$f.dll" "sources/$f.dll"
done

sys=$work/nohive/Windows/System32
put "$sys/kernel32.dll" "kernel32.dll 10.0.19041"
put "$sys/drivers/ndis.sys" "ndis.sys 10.0.19041"
mkdir -p "$sys/config"
cp "$out/SOFTWARE" "$sys/config/SOFTWARE"
put "$work/nohive/Program Files/readme.txt" "readme.txt"

# ---------------------------------------------------------------- WIMs

rm -f "$out/boot.wim" "$out/install.wim" "$out/install.esd" \
      "$out/nohive.wim"

# Properties are set while capturing (same effect as "wimlib-imagex info WIM
# IMAGE --image-property NAME=VALUE" afterwards, without rewriting the WIM).
# They override what wimlib-imagex derives from the captured hives.
pe_props() {
    set -- "$@" \
        --image-property "WINDOWS/INSTALLATIONTYPE=WindowsPE" \
        --image-property "WINDOWS/EDITIONID=WindowsPE" \
        --image-property "WINDOWS/PRODUCTNAME=Microsoft Windows Operating System" \
        --image-property "WINDOWS/PRODUCTTYPE=WinNT" \
        --image-property "WINDOWS/ARCH=9" \
        --image-property "WINDOWS/VERSION/MAJOR=10" \
        --image-property "WINDOWS/VERSION/MINOR=0" \
        --image-property "WINDOWS/VERSION/BUILD=19041" \
        --image-property "WINDOWS/LANGUAGES/LANGUAGE=en-US" \
        --image-property "WINDOWS/LANGUAGES/DEFAULT=en-US"
    wim "$@"
}
# boot.wim (LZX is wimlib-imagex's default); image 2 is the boot image.
pe_props capture "$work/pe" "$out/boot.wim" \
    "Microsoft Windows PE (x64)" "Microsoft Windows PE (x64)"
pe_props append "$work/setup" "$out/boot.wim" \
    "Microsoft Windows Setup (x64)" "Microsoft Windows Setup (x64)" --boot

# edition VERB TREE NAME EDITIONID
edition() {
    wim "$1" "$2" "$out/install.wim" "$3" "$3" --flags="$4" \
        --image-property "DISPLAYNAME=$3" \
        --image-property "DISPLAYDESCRIPTION=$3" \
        --image-property "WINDOWS/INSTALLATIONTYPE=Client" \
        --image-property "WINDOWS/EDITIONID=$4" \
        --image-property "WINDOWS/PRODUCTNAME=Microsoft Windows Operating System" \
        --image-property "WINDOWS/PRODUCTTYPE=WinNT" \
        --image-property "WINDOWS/ARCH=9" \
        --image-property "WINDOWS/VERSION/MAJOR=10" \
        --image-property "WINDOWS/VERSION/MINOR=0" \
        --image-property "WINDOWS/VERSION/BUILD=19045" \
        --image-property "WINDOWS/VERSION/SPBUILD=3263" \
        --image-property "WINDOWS/LANGUAGES/LANGUAGE=en-US" \
        --image-property "WINDOWS/LANGUAGES/DEFAULT=en-US"
}
edition capture "$work/home" "Windows 10 Home" Core
edition append "$work/education" "Windows 10 Education" Education
edition append "$work/pro" "Windows 10 Pro" Professional

# A small solid chunk keeps LZMS memory use low (default chunk: 64 MiB).
wim export "$out/install.wim" all "$out/install.esd" --solid \
    --solid-chunk-size=1M

wim capture "$work/nohive" "$out/nohive.wim" "No Hive" "Image without SYSTEM"
