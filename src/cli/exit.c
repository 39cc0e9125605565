/* exit.c - internal results to exit statuses; see exit.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "cli/exit.h"

int exit_status(enum wp_err e)
{
	switch (e) {
	case WP_OK:
		return EXIT_OK;
	case WP_ERR_NO_RULE:
		return EXIT_NO_RULE;
	case WP_ERR_USAGE:
		return EXIT_USAGE;
	case WP_ERR_PROFILE:
		return EXIT_PROFILE;
	case WP_ERR_INPUT:
		return EXIT_INPUT;
	case WP_ERR_WRITE:
		return EXIT_WRITE;
	case WP_ERR_INTERNAL:
		break;
	}
	return EXIT_INTERNAL;
}

/* 7 and 8 came after the others were promised; they are the mildest
 * failures (8, query's "not there", never meets 7 in one run). */
static int severity(int status)
{
	if (status == EXIT_NO_RULE || status == EXIT_ABSENT)
		return EXIT_PENDING + 1;
	return status > EXIT_PENDING ? status + 1 : status;
}

int exit_worst(int a, int b)
{
	return severity(a) >= severity(b) ? a : b;
}

const char *exit_status_kind(int status)
{
	for (enum wp_err e = WP_ERR_NO_RULE; e <= WP_ERR_INTERNAL; e++)
		if (exit_status(e) == status)
			return wp_err_name(e);
	return NULL;
}

int exit_after_output(int status)
{
	/* fclose flushes what is buffered and reports a write error that
	 * happened earlier (ferror) or now; errno says which. */
	errno = 0;
	bool failed = ferror(stdout) != 0;
	if (fclose(stdout) != 0)
		failed = true;
	if (failed) {
		/* Not msg_error: the JSON sink may be gone by now. */
		fprintf(stderr, "wimpatch: error: cannot write the report to standard output: %s\n",
			errno ? strerror(errno) : "write error");
		return EXIT_WRITE;
	}
	if (fflush(stderr) != 0 || ferror(stderr))
		return EXIT_WRITE;	/* nowhere left to say so */
	return status;
}
