#!/usr/bin/python3
# isofs-ms.py TREE ISO: an image laid out as Microsoft's media are, written
# by pycdlib (an independent writer): UDF holds every file, ISO 9660 only
# README.TXT; El Torito entries for boot/etfsboot.com (BIOS, if present)
# and efi/microsoft/boot/efisys.bin (UEFI), the boot files themselves
# kept out of the ISO 9660 tree.  pycdlib 1.12 only knows UDF "2.60",
# which it writes with plain file entries and one type 1 partition.
import os
import sys

import pycdlib

src, out = sys.argv[1], sys.argv[2]
BOOT = {'/boot/etfsboot.com': '/ETFSBOOT.COM;1', '/efi/microsoft/boot/efisys.bin': '/EFISYS.BIN;1'}

iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, vol_ident='CCCOMA_X64FRE_EN-US_DV9', udf='2.60')
for root, dirs, files in os.walk(src):
    dirs.sort()
    rel = os.path.relpath(root, src)
    if rel != '.':
        iso.add_directory(udf_path='/' + rel)
    for f in sorted(files):
        path = os.path.join(root, f)
        udf = '/' + (f if rel == '.' else rel + '/' + f)
        if udf == '/README.TXT':
            iso.add_file(path, iso_path='/README.TXT;1', udf_path=udf)
        elif udf in BOOT:
            iso.add_file(path, iso_path=BOOT[udf], udf_path=udf)
        else:
            iso.add_file(path, udf_path=udf)
if os.path.exists(os.path.join(src, 'boot/etfsboot.com')):
    iso.add_eltorito(BOOT['/boot/etfsboot.com'], bootcatfile='/BOOT.CAT;1', boot_load_size=8)
iso.add_eltorito(BOOT['/efi/microsoft/boot/efisys.bin'], bootcatfile='/BOOT.CAT;1', efi=True,
                 platform_id=0xef)
for p in BOOT.values():
    try:
        iso.rm_hard_link(iso_path=p)
    except pycdlib.pycdlibexception.PyCdlibInvalidInput:
        pass
iso.write(out)
iso.close()
