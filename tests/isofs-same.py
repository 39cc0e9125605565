#!/usr/bin/python3
# isofs-same.py OLD NEW RANGES: every sector of OLD that no "range LBA N"
# line of RANGES covers is byte-identical at the same place in NEW.
# Prints the first sectors that differ.
import sys

old, new, ranges = sys.argv[1:4]
covered = set()
for line in open(ranges):
    w = line.split()
    if w and w[0] == 'range':
        covered.update(range(int(w[1]), int(w[1]) + int(w[2])))
bad = []
with open(old, 'rb') as a, open(new, 'rb') as b:
    s = 0
    while True:
        x = a.read(2048)
        if not x:
            break
        if s not in covered:
            b.seek(s * 2048)
            if b.read(2048) != x:
                bad.append(s)
        s += 1
if bad:
    print('sectors changed outside the ranges: %s' % bad[:10])
    sys.exit(1)
print('%d sectors, %d rewritten' % (s, len(covered)))
