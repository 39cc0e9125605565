/*
 * tap.h - a tiny TAP (Test Anything Protocol) producer for C unit tests,
 * read by automake's tap-driver.sh.
 *
 * Header only: include it in exactly one .c file per test program.
 *
 *	plan(3);			optional; else done_testing() prints it
 *	ok(x == 1, "x is %d", 1);	"ok 1 - x is 1" / "not ok 1 - ..."
 *	is_int(got, 42, "answer");	integers, shows both on failure
 *	is_str(got, "abc", "name");	strings (NULL allowed)
 *	is_mem(p, n, q, m, "bytes");	byte buffers, shows both in hex
 *	diag("context %s", s);		"# context ..." on stderr
 *	skip(2, "no hivex");		two "ok N # SKIP no hivex"
 *	bail_out("setup failed");	"Bail out! ..." and exit(1)
 *	return done_testing();		0 only if every test passed and the
 *					count matches the plan
 *
 * Results go to stdout, diagnostics to stderr (the TAP driver shows both).
 */
#ifndef WIMPATCH_TAP_H
#define WIMPATCH_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_planned = -1;	/* -1: no plan yet */
static int tap_run;
static int tap_failed;

#define TAP_UNUSED __attribute__((unused))
#define TAP_PRINTF(f, a) __attribute__((format(printf, f, a)))

static TAP_UNUSED void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static TAP_UNUSED TAP_PRINTF(1, 2) void diag(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* The workhorse behind ok() and friends; returns pass for chaining. */
static TAP_UNUSED TAP_PRINTF(4, 0) bool tap_result(bool pass, const char *file, int line,
				  const char *fmt, va_list ap)
{
	tap_run++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		diag("  failed at %s line %d", file, line);
	return pass;
}

static TAP_UNUSED TAP_PRINTF(4, 5) bool tap_ok(bool pass, const char *file,
					       int line, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	return r;
}

static TAP_UNUSED TAP_PRINTF(5, 6) bool tap_is_int(long long got,
						   long long want,
						   const char *file, int line,
						   const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_result(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		diag("  got: %lld, expected: %lld", got, want);
	return r;
}

static TAP_UNUSED TAP_PRINTF(5, 6) bool tap_is_str(const char *got,
						   const char *want,
						   const char *file, int line,
						   const char *fmt, ...)
{
	va_list ap;
	bool pass = (!got && !want) || (got && want && strcmp(got, want) == 0);
	bool r;

	va_start(ap, fmt);
	r = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	if (!r) {
		diag("  got:      %s%s%s", got ? "'" : "", got ? got : "NULL", got ? "'" : "");
		diag("  expected: %s%s%s", want ? "'" : "", want ? want : "NULL", want ? "'" : "");
	}
	return r;
}

static TAP_UNUSED void tap_hexdump(const char *label, const void *p, size_t n)
{
	const unsigned char *b = p;

	fflush(stdout);
	fprintf(stderr, "#   %s (%zu bytes):", label, n);
	for (size_t i = 0; i < n && i < 64; i++)
		fprintf(stderr, " %02x", b[i]);
	fputs(n > 64 ? " ...\n" : "\n", stderr);
}

static TAP_UNUSED TAP_PRINTF(7, 8) bool tap_is_mem(const void *got, size_t got_len,
						   const void *want, size_t want_len,
						   const char *file, int line,
						   const char *fmt, ...)
{
	va_list ap;
	bool pass = got_len == want_len &&
		    (got_len == 0 || (got && want && memcmp(got, want, got_len) == 0));
	bool r;

	va_start(ap, fmt);
	r = tap_result(pass, file, line, fmt, ap);
	va_end(ap);
	if (!r) {
		tap_hexdump("got", got, got ? got_len : 0);
		tap_hexdump("expected", want, want ? want_len : 0);
	}
	return r;
}

static TAP_UNUSED void skip(int n, const char *why)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # SKIP %s\n", ++tap_run, why);
	fflush(stdout);
}

static TAP_UNUSED void bail_out(const char *why)
{
	printf("Bail out! %s\n", why);
	fflush(stdout);
	exit(1);
}

static TAP_UNUSED int done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_run != tap_planned)
		diag("planned %d tests but ran %d", tap_planned, tap_run);
	fflush(stdout);
	if (tap_failed)
		diag("%d of %d tests failed", tap_failed, tap_run);
	return tap_failed == 0 && (tap_planned < 0 || tap_run == tap_planned) ? 0 : 1;
}

#define ok(cond, ...) tap_ok((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(got, got_len, want, want_len, ...) \
	tap_is_mem((got), (got_len), (want), (want_len), __FILE__, __LINE__, __VA_ARGS__)

#endif
