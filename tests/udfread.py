#!/usr/bin/python3
"""udfread.py ISO [PATH]: the UDF tree of ISO as pycdlib reads it (a
reader independent of 7-Zip, udfinfo and wimpatch's own, which checks
every descriptor tag's checksum and CRC on the way), one line per entry,
"d PATH" or "f SIZE PATH", sorted; with PATH, that file's bytes on
stdout."""

import sys

import pycdlib


def walk(iso):
    out = []
    for root, dirs, files in iso.walk(udf_path='/'):
        base = root.rstrip('/')
        for d in dirs:
            out.append('d %s' % (base + '/' + d).lstrip('/'))
        for f in files:
            path = base + '/' + f
            rec = iso.get_record(udf_path=path)
            out.append('f %d %s' % (rec.get_data_length(), path.lstrip('/')))
    return sorted(out, key=lambda l: l.split(' ')[-1])


def main():
    iso = pycdlib.PyCdlib()
    iso.open(sys.argv[1])
    if len(sys.argv) > 2:
        iso.get_file_from_iso_fp(sys.stdout.buffer, udf_path='/' + sys.argv[2])
    else:
        print('\n'.join(walk(iso)))
    iso.close()


main()
