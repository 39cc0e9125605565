/* mkhive: build a Windows registry hive file from a .reg-style text spec.
 *
 * Test-only fixture generator for wimpatch.
 *
 *   usage: mkhive OUT.hive SPEC.reg [ROOTNAME]
 *
 * hivex can edit hives but cannot create one from nothing, so we first
 * write a minimal, valid, empty "regf" hive (base block + one hbin holding
 * the root key, its security cell and a free cell), then reopen it with
 * hivex in write mode, apply the spec and commit.
 *
 * Spec format: a subset of the Windows .reg text format (UTF-8):
 *   Windows Registry Editor Version 5.00     (optional header)
 *   ; comment   or   # comment
 *   [Key\Sub\Path]                   creates the key and missing parents
 *   "Name"="string"                  REG_SZ (escapes: \\ and \")
 *   @="string"                       the key's default value
 *   "Name"=dword:0000000a            REG_DWORD
 *   "Name"=qword:0123456789abcdef    REG_QWORD (extension)
 *   "Name"=hex:01,02,ab              REG_BINARY
 *   "Name"=hex(N):01,02              any type N (hex), raw bytes
 *   "Name"=multi:"a","b"             REG_MULTI_SZ (extension)
 *   "Name"=expand:"%SystemRoot%\\x"  REG_EXPAND_SZ (extension)
 * In key paths and quoted strings, \x{HH} is the byte HH (extension): for
 * names with control characters, which .reg files have no way to write.
 * A value line ending in a backslash continues on the next line.
 *
 * Layout references below use the offsets of the regf format as documented
 * by M. Suhanov, "Windows registry file format specification", and match
 * struct ntreg_* in hivex's lib/hivex-internal.h.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <hivex.h>

/* ------------------------------------------------------------------ */
/* Little-endian helpers (the whole format is little-endian).          */

static void put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
  put16(p, (uint16_t)v);
  put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------------ */
/* Minimal empty hive.                                                 */

#define REGF_BLOCK 0x1000u   /* base block and hbin granularity */
#define HBIN_HDR 0x20u       /* size of the hbin header */
#define NK_FIXED 0x4Cu       /* nk cell data before the name */
#define SK_FIXED 0x14u       /* sk cell data before the descriptor */
#define NIL 0xFFFFFFFFu      /* "no cell" offset */

/* Fixed FILETIME (100 ns units since 1601-01-01) so that fixtures are
 * reproducible: 2022-10-18 00:00:00 UTC, the Windows 10 22H2 release. */
#define FIXED_FILETIME ((UINT64_C(1666051200) + UINT64_C(11644473600)) * \
                        UINT64_C(10000000))

/* Write an NT SID S-1-5-<sub...> at p; returns its length. */
static size_t put_nt_sid(uint8_t *p, const uint32_t *sub, uint8_t nsub)
{
  p[0] = 1;                       /* Revision */
  p[1] = nsub;                    /* SubAuthorityCount */
  memset(p + 2, 0, 6);            /* IdentifierAuthority, big-endian 48 bit */
  p[7] = 5;                       /* SECURITY_NT_AUTHORITY */
  for (uint8_t i = 0; i < nsub; i++)
    put32(p + 8 + 4 * i, sub[i]);
  return 8 + 4u * nsub;
}

/* Write an ACCESS_ALLOWED_ACE for sid at p; returns its length. */
static size_t put_allow_ace(uint8_t *p, uint32_t mask, const uint32_t *sub,
                            uint8_t nsub)
{
  size_t len = 8 + put_nt_sid(p + 8, sub, nsub);
  p[0] = 0;                       /* ACCESS_ALLOWED_ACE_TYPE */
  p[1] = 0x02;                    /* CONTAINER_INHERIT_ACE: subkeys inherit */
  put16(p + 2, (uint16_t)len);    /* AceSize */
  put32(p + 4, mask);             /* ACCESS_MASK */
  return len;
}

/* Build a self-relative SECURITY_DESCRIPTOR at p (needs <= 128 bytes):
 * owner BUILTIN\Administrators, group SYSTEM, and a DACL giving full
 * control to both.  Returns its length.
 *
 * The ACE mask is KEY_ALL_ACCESS (0x000F003F), not GENERIC_ALL: generic
 * bits are only mapped when a descriptor is created or inherited, an
 * effective ACE holding just GENERIC_ALL would grant nothing at access
 * check time, which is why real hives store KEY_ALL_ACCESS there. */
static size_t put_security_descriptor(uint8_t *p)
{
  static const uint32_t admins[] = {32, 544}; /* S-1-5-32-544 */
  static const uint32_t system[] = {18};      /* S-1-5-18 */
  const uint32_t key_all_access = 0x000F003Fu;
  size_t off = 20;                /* fixed SECURITY_DESCRIPTOR header */

  p[0] = 1;                       /* Revision */
  p[1] = 0;                       /* Sbz1 */
  put16(p + 2, 0x8004);           /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
  put32(p + 12, 0);               /* OffsetSacl: none */

  put32(p + 4, (uint32_t)off);    /* OffsetOwner */
  off += put_nt_sid(p + off, admins, 2);
  put32(p + 8, (uint32_t)off);    /* OffsetGroup */
  off += put_nt_sid(p + off, system, 1);

  put32(p + 16, (uint32_t)off);   /* OffsetDacl */
  uint8_t *acl = p + off;
  size_t acl_len = 8;             /* ACL header */
  acl_len += put_allow_ace(acl + acl_len, key_all_access, admins, 2);
  acl_len += put_allow_ace(acl + acl_len, key_all_access, system, 1);
  acl[0] = 2;                     /* AclRevision = ACL_REVISION */
  acl[1] = 0;                     /* Sbz1 */
  put16(acl + 2, (uint16_t)acl_len);
  put16(acl + 4, 2);              /* AceCount */
  put16(acl + 6, 0);              /* Sbz2 */
  return off + acl_len;
}

/* XOR of the first 127 dwords of the base block (0x000-0x1FB). */
static uint32_t regf_checksum(const uint8_t *base)
{
  uint32_t sum = 0;
  for (size_t i = 0; i < 0x1FC; i += 4)
    sum ^= get32(base + i);
  return sum;
}

static size_t align8(size_t n)
{
  return (n + 7) & ~(size_t)7;
}

/* Write an empty hive to path whose root key is called rootname.
 *
 * hivex_open() checks: file >= 8 KiB (so base block + one 4 KiB bin is the
 * minimum), "regf" magic, major version 1, the header checksum, each bin's
 * "hbin" magic, its self-offset and a size that is a multiple of 4 KiB, and
 * that every cell has a size that is a multiple of 4 and stays inside its
 * bin; the root offset must hit an allocated "nk" cell.  Only allocated
 * cells are valid targets of offsets, which matters for the sk offset. */
static int write_empty_hive(const char *path, const char *rootname)
{
  uint8_t buf[2 * REGF_BLOCK];
  uint8_t *base = buf, *hbin = buf + REGF_BLOCK;
  size_t namelen = strlen(rootname);
  /* Cell offsets are relative to the start of the hive bins data, i.e. to
   * the first hbin at file offset 0x1000, so the first cell is at 0x20. */
  size_t nk_off = HBIN_HDR;
  size_t nk_size = align8(4 + NK_FIXED + namelen);
  size_t sk_off = nk_off + nk_size;
  uint8_t sd[128];
  size_t sd_len = put_security_descriptor(sd);
  size_t sk_size = align8(4 + SK_FIXED + sd_len);
  size_t free_off = sk_off + sk_size;

  memset(buf, 0, sizeof buf);

  /* --- base block (file offset 0x0000, 4096 bytes) --- */
  memcpy(base + 0x00, "regf", 4);
  /* 0x04/0x08 primary and secondary sequence numbers: equal means the
   * last write completed, so no transaction log needs to be replayed. */
  put32(base + 0x04, 1);
  put32(base + 0x08, 1);
  put64(base + 0x0C, FIXED_FILETIME);     /* last written timestamp */
  put32(base + 0x14, 1);                  /* major version (hivex: must be 1) */
  put32(base + 0x18, 5);                  /* minor version 5: "lh" lists and
                                             big-data cells allowed; hivex
                                             writes "lh" subkey lists */
  put32(base + 0x1C, 0);                  /* file type 0 = primary file */
  put32(base + 0x20, 1);                  /* file format 1 = direct memory load */
  put32(base + 0x24, (uint32_t)nk_off);   /* root cell offset */
  put32(base + 0x28, REGF_BLOCK);         /* hive bins data size */
  put32(base + 0x2C, 1);                  /* clustering factor */
  /* 0x30: file name, 64 bytes of UTF-16LE (Windows keeps the last 31
   * characters of the path); informational only. */
  {
    const char *slash = strrchr(path, '/');
    const char *fn = slash ? slash + 1 : path;
    size_t fl = strlen(fn);
    if (fl > 31)
      fn += fl - 31;
    for (size_t i = 0; fn[i] != '\0'; i++)
      put16(base + 0x30 + 2 * i,
            (unsigned char)fn[i] < 0x80 ? (unsigned char)fn[i] : '?');
  }
  /* 0x1FC: checksum.  Windows replaces a result of 0 by 1 and of
   * 0xFFFFFFFF by 0xFFFFFFFE, hivex does not; should we hit either, nudge
   * the timestamp so that both readers agree. */
  while (regf_checksum(base) == 0 || regf_checksum(base) == NIL)
    base[0x0C]++;
  put32(base + 0x1FC, regf_checksum(base));

  /* --- hbin (file offset 0x1000, 4096 bytes) --- */
  memcpy(hbin + 0x00, "hbin", 4);
  put32(hbin + 0x04, 0);                  /* offset of this bin (relative) */
  put32(hbin + 0x08, REGF_BLOCK);         /* size of this bin */
  put64(hbin + 0x14, FIXED_FILETIME);     /* timestamp (first bin only) */

  /* Cells: int32 size (negative = allocated), then the cell data; the
   * offsets below are relative to the cell data, i.e. after the size. */

  /* Root nk cell. */
  uint8_t *nk = hbin + nk_off;
  put32(nk, (uint32_t)-(int32_t)nk_size);
  uint8_t *k = nk + 4;
  memcpy(k + 0x00, "nk", 2);
  /* KEY_HIVE_ENTRY (0x04) | KEY_NO_DELETE (0x08) | KEY_COMP_NAME (0x20):
   * the root key, undeletable, name stored as Latin-1 (not UTF-16). */
  put16(k + 0x02, 0x2C);
  put64(k + 0x04, FIXED_FILETIME);        /* last written timestamp */
  put32(k + 0x0C, 0);                     /* access bits */
  put32(k + 0x10, NIL);                   /* parent: none for the root */
  put32(k + 0x14, 0);                     /* number of subkeys */
  put32(k + 0x18, 0);                     /* number of volatile subkeys */
  put32(k + 0x1C, NIL);                   /* subkeys list offset */
  put32(k + 0x20, NIL);                   /* volatile subkeys list offset */
  put32(k + 0x24, 0);                     /* number of values */
  put32(k + 0x28, NIL);                   /* values list offset */
  /* key security offset: hivex_node_add_child() copies this into every
   * new key and increments the sk refcount, so it must point to a valid
   * allocated "sk" cell. */
  put32(k + 0x2C, (uint32_t)sk_off);
  put32(k + 0x30, NIL);                   /* class name offset */
  /* 0x34-0x47: largest subkey name / class / value name / value data
   * lengths and WorkVar, all 0 for an empty key. */
  put16(k + 0x48, (uint16_t)namelen);     /* key name length */
  put16(k + 0x4A, 0);                     /* class name length */
  memcpy(k + 0x4C, rootname, namelen);    /* key name (ASCII) */

  /* sk cell: the only one, so the doubly linked list of security cells
   * points back at itself (flink = blink = own offset). */
  uint8_t *sk = hbin + sk_off;
  put32(sk, (uint32_t)-(int32_t)sk_size);
  uint8_t *s = sk + 4;
  memcpy(s + 0x00, "sk", 2);
  put16(s + 0x02, 0);                     /* reserved */
  put32(s + 0x04, (uint32_t)sk_off);      /* flink */
  put32(s + 0x08, (uint32_t)sk_off);      /* blink */
  put32(s + 0x0C, 1);                     /* reference count: the root key */
  put32(s + 0x10, (uint32_t)sd_len);      /* security descriptor size */
  memcpy(s + 0x14, sd, sd_len);

  /* The rest of the bin is one free cell (positive size).  hivex never
   * reuses it (it allocates from fresh bins), but every byte of a bin must
   * belong to some cell. */
  put32(hbin + free_off, (uint32_t)(REGF_BLOCK - free_off));

  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "mkhive: %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (fwrite(buf, 1, sizeof buf, f) != sizeof buf || fclose(f) != 0) {
    fprintf(stderr, "mkhive: %s: write failed: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Spec parser.                                                        */

/* Values above this size need "db" big-data cells, which hivex does not
 * write; refuse them rather than produce a hive Windows would reject. */
#define MAX_VALUE_LEN 16344u

static const char *spec_path, *out_path;
static unsigned long err_line;
static hive_h *hive;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
_Noreturn static void die(const char *fmt, ...)
{
  va_list ap;
  if (err_line != 0)
    fprintf(stderr, "mkhive: %s:%lu: ", spec_path, err_line);
  else
    fprintf(stderr, "mkhive: %s: ", out_path);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if (hive != NULL)
    hivex_close(hive);
  unlink(out_path);
  exit(1);
}

_Noreturn static void die_hivex(const char *what)
{
  die("%s: %s", what, strerror(errno));
}

static void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    die("out of memory");
  return p;
}

/* Growable byte buffer. */
struct buf {
  char *data;
  size_t len, cap;
};

static void buf_add(struct buf *b, const void *src, size_t n)
{
  if (n == 0)
    return;
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 16;
    b->data = xrealloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, src, n);
  b->len += n;
}

/* Append the UTF-16LE encoding of UTF-8 s plus a UTF-16 NUL to b. */
static void add_utf16(struct buf *b, const char *s)
{
  static iconv_t cd = (iconv_t)-1;
  if (cd == (iconv_t)-1) {
    cd = iconv_open("UTF-16LE", "UTF-8");
    if (cd == (iconv_t)-1)
      die("iconv_open: %s", strerror(errno));
  }
  size_t inleft = strlen(s), outcap = inleft * 2 + 2;
  char *out = xrealloc(NULL, outcap);
  char *in = (char *)s, *op = out;
  size_t outleft = outcap;
  iconv(cd, NULL, NULL, NULL, NULL);
  if (iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1)
    die("string is not valid UTF-8");
  buf_add(b, out, outcap - outleft);
  buf_add(b, "\0", 2);                    /* two bytes: "\0" plus its NUL */
  free(out);
}

static const char *skip_ws(const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

static int hexval(char c);

/* The byte of an extension escape \x{HH} at p, or -1 if there is none:
 * names with control characters, which .reg files cannot write. */
static int byte_escape(const char *p)
{
  if (p[0] != '\\' || p[1] != 'x' || p[2] != '{' || hexval(p[3]) < 0 ||
      hexval(p[4]) < 0 || p[5] != '}')
    return -1;
  return hexval(p[3]) << 4 | hexval(p[4]);
}

/* Parse a "quoted" string with \\, \" and \x{HH} escapes at *pp; returns a
 * malloc'd copy and advances *pp past the closing quote. */
static char *parse_quoted(const char **pp)
{
  const char *p = *pp;
  struct buf b = {0};
  if (*p != '"')
    die("expected '\"'");
  for (p++; *p != '"'; p++) {
    if (*p == '\0')
      die("unterminated string");
    int byte = byte_escape(p);
    if (byte >= 0) {
      char c = (char)byte;
      buf_add(&b, &c, 1);
      p += 5;
      continue;
    }
    if (*p == '\\') {
      p++;
      if (*p != '\\' && *p != '"')
        die("bad escape '\\%c' in string (only \\\\, \\\" and \\x{HH} allowed)",
            *p ? *p : ' ');
    }
    buf_add(&b, p, 1);
  }
  buf_add(&b, "", 1);
  *pp = p + 1;
  return b.data;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parse 1..maxdigits hex digits at *pp. */
static uint64_t parse_hexnum(const char **pp, int maxdigits, const char *what)
{
  const char *p = *pp;
  uint64_t v = 0;
  int n = 0;
  while (hexval(*p) >= 0) {
    if (++n > maxdigits)
      die("%s: more than %d hex digits", what, maxdigits);
    v = v << 4 | (uint64_t)hexval(*p++);
  }
  if (n == 0)
    die("%s: expected hex digits", what);
  *pp = p;
  return v;
}

static void expect_end(const char *p)
{
  p = skip_ws(p);
  if (*p != '\0')
    die("trailing garbage: '%s'", p);
}

/* Parse a value line; fills *v (key and value malloc'd). */
static void parse_value(const char *line, hive_set_value *v)
{
  const char *p = line;
  struct buf b = {0};

  if (*p == '@') {
    v->key = xrealloc(NULL, 1);
    v->key[0] = '\0';                     /* "" = the default value */
    p++;
  } else {
    v->key = parse_quoted(&p);
    if (v->key[0] == '\0')
      die("empty value name (use @ for the default value)");
  }
  p = skip_ws(p);
  if (*p++ != '=')
    die("expected '=' after value name");
  p = skip_ws(p);

  if (*p == '"') {
    char *s = parse_quoted(&p);
    add_utf16(&b, s);
    free(s);
    v->t = hive_t_REG_SZ;
  } else if (strncasecmp(p, "expand:", 7) == 0) {
    p += 7;
    char *s = parse_quoted(&p);
    add_utf16(&b, s);
    free(s);
    v->t = hive_t_REG_EXPAND_SZ;
  } else if (strncasecmp(p, "multi:", 6) == 0) {
    /* Each string NUL-terminated, then one more NUL ends the list; an
     * empty list is stored by Windows as a single UTF-16 NUL. */
    p = skip_ws(p + 6);
    while (*p != '\0') {
      char *s = parse_quoted(&p);
      if (s[0] == '\0')
        die("empty string inside multi: would end the list early");
      add_utf16(&b, s);
      free(s);
      p = skip_ws(p);
      if (*p == ',')
        p = skip_ws(p + 1);
      else if (*p != '\0')
        die("expected ',' between multi: strings");
    }
    buf_add(&b, "\0", 2);
    v->t = hive_t_REG_MULTI_SZ;
  } else if (strncasecmp(p, "dword:", 6) == 0) {
    uint8_t d[4];
    p += 6;
    put32(d, (uint32_t)parse_hexnum(&p, 8, "dword"));
    buf_add(&b, d, 4);
    v->t = hive_t_REG_DWORD;
  } else if (strncasecmp(p, "qword:", 6) == 0) {
    uint8_t d[8];
    p += 6;
    put64(d, parse_hexnum(&p, 16, "qword"));
    buf_add(&b, d, 8);
    v->t = hive_t_REG_QWORD;
  } else if (strncasecmp(p, "hex", 3) == 0) {
    p += 3;
    v->t = hive_t_REG_BINARY;
    if (*p == '(') {
      p++;
      /* hive_type is an enum whose enumerators are all non-negative, so
       * GCC/Clang give it an unsigned 32-bit type: any REG_* number fits. */
      uint32_t type = (uint32_t)parse_hexnum(&p, 8, "hex(N) type");
      v->t = (hive_type)type;
      if (*p++ != ')')
        die("expected ')' after hex(N");
    }
    if (*p++ != ':')
      die("expected ':' after hex");
    /* Comma-separated bytes; whitespace and a trailing comma tolerated. */
    for (p = skip_ws(p); *p != '\0'; p = skip_ws(p)) {
      uint8_t byte = (uint8_t)parse_hexnum(&p, 2, "hex byte");
      buf_add(&b, &byte, 1);
      p = skip_ws(p);
      if (*p == ',')
        p++;
      else if (*p != '\0')
        die("expected ',' between hex bytes, got '%c'", *p);
    }
  } else {
    die("unknown value data '%s' (want \"...\", dword:, qword:, hex:, "
        "hex(N):, multi:, expand:)", p);
  }
  expect_end(p);

  if (b.len > MAX_VALUE_LEN)
    die("value data of %zu bytes is larger than %u (needs big-data cells, "
        "which hivex cannot write)", b.len, MAX_VALUE_LEN);
  v->len = b.len;
  v->value = b.data ? b.data : xrealloc(NULL, 1);
}

/* Values collected for the current key, written when the key changes so
 * each key gets one compact value list. */
static hive_node_h cur_node;
static hive_set_value *pending;
static size_t npending;

static void free_values(hive_set_value *vals, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(vals[i].key);
    free(vals[i].value);
  }
  free(vals);
}

/* Add v to vals[0..*n), replacing a value of the same name (names are
 * case-insensitive in the registry). */
static hive_set_value *merge_value(hive_set_value *vals, size_t *n,
                                   hive_set_value v)
{
  for (size_t i = 0; i < *n; i++) {
    if (strcasecmp(vals[i].key, v.key) == 0) {
      free(vals[i].key);
      free(vals[i].value);
      vals[i] = v;
      return vals;
    }
  }
  vals = xrealloc(vals, (*n + 1) * sizeof *vals);
  vals[(*n)++] = v;
  return vals;
}

/* Write the pending values to cur_node, keeping the values it already
 * has (a key may appear in several [sections]). */
static void flush_values(void)
{
  if (npending == 0)
    return;
  hive_value_h *old = hivex_node_values(hive, cur_node);
  if (old == NULL)
    die_hivex("hivex_node_values");
  hive_set_value *all = NULL;
  size_t n = 0;
  for (size_t i = 0; old[i] != 0; i++) {
    hive_set_value v;
    v.key = hivex_value_key(hive, old[i]);
    v.value = hivex_value_value(hive, old[i], &v.t, &v.len);
    if (v.key == NULL || v.value == NULL)
      die_hivex("reading existing value");
    all = merge_value(all, &n, v);
  }
  free(old);
  for (size_t i = 0; i < npending; i++)
    all = merge_value(all, &n, pending[i]);
  free(pending);                  /* contents now owned by all[] */
  pending = NULL;
  npending = 0;
  if (hivex_node_set_values(hive, cur_node, n, all, 0) == -1)
    die_hivex("hivex_node_set_values");
  free_values(all, n);
}

/* [Key\Sub\Path]: find or create each component below the root. */
static void enter_key(char *path)
{
  hive_node_h node = hivex_root(hive);
  if (node == 0)
    die_hivex("hivex_root");
  if (strncasecmp(path, "HKEY_", 5) == 0)
    die("key path must be relative to the hive root (no HKEY_ prefix)");
  if (path[0] == '-')
    die("key deletion ([-Key]) is not supported");
  if (*path == '\\')
    path++;
  for (char *comp = path, *next; comp != NULL; comp = next) {
    /* A separator is a backslash that starts no \x{HH}; those are
     * decoded in place. */
    char *w = comp;
    next = NULL;
    for (char *q = comp; *q; q++) {
      int byte = byte_escape(q);
      if (byte >= 0) {
        *w++ = (char)byte;
        q += 5;
      } else if (*q == '\\') {
        next = q + 1;
        break;
      } else {
        *w++ = *q;
      }
    }
    *w = '\0';
    if (comp[0] == '\0')
      die("empty key name component");
    if (strlen(comp) > 255)
      die("key name longer than 255 characters");
    errno = 0;
    hive_node_h child = hivex_node_get_child(hive, node, comp);
    if (child == 0 && errno != 0)
      die_hivex("hivex_node_get_child");
    if (child == 0) {
      child = hivex_node_add_child(hive, node, comp);
      if (child == 0)
        die_hivex("hivex_node_add_child");
    }
    node = child;
  }
  cur_node = node;
}

/* Handle one logical line (continuations already joined). */
static void do_line(char *line, int first)
{
  char *p = line + (skip_ws(line) - line);
  if (*p == '\0' || *p == ';' || *p == '#')
    return;
  if (first && (strcmp(p, "Windows Registry Editor Version 5.00") == 0 ||
                strcmp(p, "REGEDIT4") == 0))
    return;
  if (*p == '[') {
    char *end = strrchr(p, ']');
    if (end == NULL)
      die("missing ']' in key line");
    expect_end(end + 1);
    *end = '\0';
    flush_values();
    enter_key(p + 1);
    return;
  }
  if (*p == '"' || *p == '@') {
    if (cur_node == 0)
      die("value line before any [key] line");
    hive_set_value v;
    parse_value(p, &v);
    pending = merge_value(pending, &npending, v);
    return;
  }
  die("unrecognised line: '%s'", p);
}

static void apply_spec(FILE *f)
{
  char *raw = NULL;
  size_t rawcap = 0;
  ssize_t n;
  struct buf logical = {0};
  unsigned long lineno = 0;
  int first = 1, continuing = 0;

  while ((n = getline(&raw, &rawcap, f)) != -1) {
    lineno++;
    if (!continuing)
      err_line = lineno;
    if (lineno == 1) {
      if (n >= 2 && ((unsigned char)raw[0] == 0xFF ||
                     (unsigned char)raw[0] == 0xFE))
        die("spec looks like UTF-16; save it as UTF-8");
      if (n >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) {
        memmove(raw, raw + 3, (size_t)n - 2);    /* drop UTF-8 BOM */
        n -= 3;
      }
    }
    if (memchr(raw, '\0', (size_t)n) != NULL)
      die("NUL byte in spec");
    while (n > 0 && strchr(" \t\r\n", raw[n - 1]) != NULL)
      raw[--n] = '\0';
    const char *text = continuing ? skip_ws(raw) : raw;
    buf_add(&logical, text, strlen(text) + 1);   /* keep it a C string */
    logical.len--;
    /* A value line ending in '\' continues on the next line (regedit
     * wraps long hex data this way).  A complete string value always ends
     * in '"', so this is unambiguous. */
    const char *start = skip_ws(logical.data);
    if (logical.len > 0 && logical.data[logical.len - 1] == '\\' &&
        (*start == '"' || *start == '@')) {
      logical.len--;
      continuing = 1;
      continue;
    }
    buf_add(&logical, "", 1);
    do_line(logical.data, first);
    start = skip_ws(logical.data);
    if (*start != '\0' && *start != ';' && *start != '#')
      first = 0;                  /* the header may follow comments only */
    logical.len = 0;
    continuing = 0;
  }
  if (ferror(f))
    die("read error: %s", strerror(errno));
  if (continuing)
    die("file ends inside a '\\' continuation");
  flush_values();
  free(raw);
  free(logical.data);
}

int main(int argc, char **argv)
{
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: mkhive OUT.hive SPEC.reg [ROOTNAME]\n");
    return 2;
  }
  out_path = argv[1];
  spec_path = argv[2];
  const char *rootname = argc == 4 ? argv[3] : "ROOT";

  size_t rl = strlen(rootname);
  if (rl == 0 || rl > 255) {
    fprintf(stderr, "mkhive: ROOTNAME must be 1-255 characters\n");
    return 2;
  }
  for (size_t i = 0; i < rl; i++) {
    unsigned char c = (unsigned char)rootname[i];
    if (c < 0x20 || c > 0x7E || c == '\\') {
      fprintf(stderr, "mkhive: ROOTNAME must be printable ASCII "
              "without '\\'\n");
      return 2;
    }
  }

  FILE *spec = fopen(spec_path, "r");
  if (spec == NULL) {
    fprintf(stderr, "mkhive: %s: %s\n", spec_path, strerror(errno));
    return 1;
  }
  if (write_empty_hive(out_path, rootname) != 0)
    return 1;

  hive = hivex_open(out_path, HIVEX_OPEN_WRITE);
  if (hive == NULL)
    die_hivex("hivex_open");
  apply_spec(spec);
  fclose(spec);

  err_line = 0;
  if (hivex_commit(hive, out_path, 0) == -1)
    die_hivex("hivex_commit");
  if (hivex_close(hive) == -1) {
    hive = NULL;
    die_hivex("hivex_close");
  }
  return 0;
}
