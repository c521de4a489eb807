#!/usr/bin/env python3
"""Writes UnicodeTables.bin: the Unicode data the tokenizer's normalizers need (embedded in the assembly).

Why: the project runs with InvariantGlobalization, where string.Normalize is a no-op and casing skips
U+0130, so NFC/NFD/NFKC/NFKD and Lowercase are implemented here from these tables (Python's unicodedata;
run with the same Python to regenerate byte-identical output). Format, all little-endian int32:
  magic 'UNT1', unicode version as 3 ints,
  ccc:        n, then n x (codepoint, combining class)            -- only class != 0
  nfd:        n, then n x (codepoint, len, len x codepoint)         -- full canonical decomposition, Hangul excluded
  nfkd:       n, then n x (codepoint, len, len x codepoint)         -- full compatibility decomposition, Hangul excluded
  compose:    n, then n x (first, second, composite)                -- primary composites (exclusions removed)
  lower:      n, then n x (codepoint, len, len x codepoint)         -- full lowercase mapping of one code point, where it changes
"""
import struct, sys, unicodedata as u, os

def is_hangul(c): return 0xAC00 <= c <= 0xD7A3
def is_surrogate(c): return 0xD800 <= c <= 0xDFFF

out = []
def w(*xs): out.append(struct.pack('<%di' % len(xs), *xs))
out.append(b'UNT1')
w(*[int(x) for x in u.unidata_version.split('.')])

ccc = [(c, u.combining(chr(c))) for c in range(0x110000) if not is_surrogate(c) and u.combining(chr(c))]
w(len(ccc))
for c, k in ccc: w(c, k)

for form in ('NFD', 'NFKD'):
    rows = []
    for c in range(0x110000):
        if is_surrogate(c) or is_hangul(c): continue
        d = u.normalize(form, chr(c))
        if d != chr(c): rows.append((c, [ord(x) for x in d]))
    w(len(rows))
    for c, d in rows: w(c, len(d), *d)

pairs = []
for c in range(0x110000):
    if is_surrogate(c): continue
    d = u.decomposition(chr(c))
    if d and not d.startswith('<'):
        p = [int(x, 16) for x in d.split()]
        if len(p) == 2 and u.normalize('NFC', chr(c)) == chr(c):
            pairs.append((p[0], p[1], c))
w(len(pairs))
for a, b, c in pairs: w(a, b, c)

lower = []
for c in range(0x110000):
    if is_surrogate(c): continue
    l = chr(c).lower()
    if l != chr(c): lower.append((c, [ord(x) for x in l]))
w(len(lower))
for c, l in lower: w(c, len(l), *l)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'UnicodeTables.bin')
with open(path, 'wb') as f: f.write(b''.join(out))
print(path, sum(len(x) for x in out), 'bytes; unicode', u.unidata_version, file=sys.stderr)
