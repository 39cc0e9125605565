#!/usr/bin/python3
"""mkmsiso.py DIR ISO LABEL: an ISO laid out as Microsoft's install media
are, for the tests: every file of DIR in a UDF 1.02 file system only; an
ISO 9660 tree holding nothing but README.TXT; no Joliet; El Torito with a
BIOS no-emulation entry for boot/etfsboot.com loading 8 sectors (if DIR
has it) and a UEFI entry (platform 0xEF) for efi/microsoft/boot/efisys.bin;
the boot catalog in neither file system; LABEL as the ISO 9660 volume
identifier and as the UDF volume and logical volume identifiers.

Written with pycdlib (python3-pycdlib), a writer independent of the
genisoimage that tests/iso-lib.sh's mkiso and wimpatch itself use."""

import io
import os
import sys

import pycdlib
# pycdlib has no parameter for the UDF labels; its own encoder fills them.
from pycdlib.udf import _ostaunicode_zero_pad

BIOS_IMAGE = 'boot/etfsboot.com'
UEFI_IMAGE = 'efi/microsoft/boot/efisys.bin'

README = (b'This disc holds a UDF file system; the files are only there.\r\n'
          b'The ISO 9660 tree carries this file alone, as Microsoft\'s\r\n'
          b'install media do.  Made by wimpatch\'s tests/mkmsiso.py.\r\n')


def set_udf_label(iso, label):
    """LABEL in every UDF descriptor that names the volume (pycdlib writes
    'CDROM' there): the primary and logical volume descriptors of both
    sequences, the LV information and the file set descriptor."""
    for seq in (iso.udf_main_descs, iso.udf_reserve_descs):
        for pvd in seq.pvds:
            pvd.vol_ident = _ostaunicode_zero_pad(label, 32)
        for lvd in seq.logical_volumes:
            lvd.logical_vol_ident = _ostaunicode_zero_pad(label, 128)
        for iu in seq.impl_use:
            iu.impl_use.log_vol_ident = _ostaunicode_zero_pad(label, 128)
    iso.udf_file_set.log_vol_ident = _ostaunicode_zero_pad(label, 128)
    iso.udf_file_set.file_set_ident = _ostaunicode_zero_pad(label, 32)


def add_tree(iso, top):
    """Every directory and file under TOP, in UDF only; sorted, so that
    the same tree always gives the same image layout."""
    for root, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(root, top)
        base = '' if rel == '.' else '/' + rel.replace(os.sep, '/')
        for d in dirs:
            iso.add_directory(udf_path=base + '/' + d)
        for f in sorted(files):
            rel_file = (base + '/' + f).lstrip('/')
            if rel_file in (BIOS_IMAGE, UEFI_IMAGE):
                continue	# added by add_boot_entry()
            iso.add_file(os.path.join(root, f), udf_path=base + '/' + f)


def add_boot_entry(iso, top, rel, iso_name, **eltorito):
    """An El Torito entry for the file REL of TOP, which is in UDF only.

    pycdlib finds the file of an El Torito entry by its ISO 9660 name
    alone, so the file is added under ISO_NAME as well (one inode, one
    extent, two links), the entry made, and the ISO 9660 link removed
    again: the extent stays, referenced by UDF and the boot catalog."""
    path = os.path.join(top, rel)
    iso.add_file(path, iso_path='/' + iso_name + ';1', udf_path='/' + rel)
    iso.add_eltorito('/' + iso_name + ';1', bootcatfile='/BOOT.CAT;1', **eltorito)
    iso.rm_hard_link(iso_path='/' + iso_name + ';1')


def main(argv):
    if len(argv) != 4:
        sys.stderr.write('usage: mkmsiso.py DIR ISO LABEL\n')
        return 2
    top, out, label = argv[1:]
    if not os.path.isfile(os.path.join(top, UEFI_IMAGE)):
        sys.stderr.write('mkmsiso.py: %s: no %s\n' % (top, UEFI_IMAGE))
        return 1

    iso = pycdlib.PyCdlib()
    # pycdlib's only UDF choice is called "2.60", but what it writes is
    # UDF 1.02 (NSR02, descriptor version 2, domain revision 0x0102), as
    # Microsoft's media are; tests/msiso.test checks with udfinfo.
    iso.new(interchange_level=1, vol_ident=label, sys_ident='', udf='2.60')
    set_udf_label(iso, label)
    add_tree(iso, top)
    iso.add_fp(io.BytesIO(README), len(README), iso_path='/README.TXT;1')

    if os.path.isfile(os.path.join(top, BIOS_IMAGE)):
        add_boot_entry(iso, top, BIOS_IMAGE, 'ETFSBOOT.COM', boot_load_size=8)
    add_boot_entry(iso, top, UEFI_IMAGE, 'EFISYS.BIN', efi=True, platform_id=0xef)

    # Hidden: the catalog is reached through the boot record volume
    # descriptor only, as on Microsoft's media.
    iso.rm_hard_link(iso_path='/BOOT.CAT;1')
    iso.rm_hard_link(udf_path='/boot.cat')

    iso.write(out)
    iso.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
