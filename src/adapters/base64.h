/*
 * base64.h - RFC 4648 base64 (padded, no line breaks), by libcrypto: how
 * an undo file keeps the old bytes of a small file replaced inside an
 * image (cli/sink.c writes them, cli/cmd_undo.c puts them back).
 */
#ifndef WIMPATCH_BASE64_H
#define WIMPATCH_BASE64_H

#include <stddef.h>

/* `n` bytes as base64, malloc'd; NULL when out of memory. */
char *base64_encode(const void *data, size_t n);
/* The bytes `text` (base64, `len` characters, padded) stands for,
 * malloc'd, their number in *n; NULL when it is not base64 (or out of
 * memory). */
unsigned char *base64_decode(const char *text, size_t len, size_t *n);
/* The bytes of the file at `path` (`size` of them, small) as base64,
 * malloc'd; NULL when it cannot be read whole or memory runs out. */
char *base64_file(const char *path, size_t size);

#endif
