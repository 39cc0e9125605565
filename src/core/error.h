/*
 * error.h - the one error model below the command line.
 *
 * A function that can fail in a way its caller must tell apart returns an
 * enum wp_err: WP_OK (0) on success, otherwise the kind of failure, after
 * reporting the reason itself with msg_error() (naming the file, image,
 * hive and key), where it is known.  Callers pass the code up unchanged;
 * only the command line turns it into an exit status (cli/exit.c), so the
 * numbers here are deliberately not the exit statuses.
 *
 * Helpers that can only succeed or fail (most of util/, the hive adapter's
 * primitives) return 0 or -1 instead and say in their header how the
 * reason is reported.
 */
#ifndef WIMPATCH_ERROR_H
#define WIMPATCH_ERROR_H

enum wp_err {
	WP_OK = 0,
	WP_ERR_NO_RULE,		/* no rule of the profiles can apply to a target
				   (nothing looked at: not "nothing to change") */
	WP_ERR_USAGE,		/* an option or argument that cannot work here */
	WP_ERR_PROFILE,		/* a profile is missing, malformed or invalid */
	WP_ERR_INPUT,		/* a target is missing, malformed or lacks what a rule needs */
	WP_ERR_WRITE,		/* writing or verifying a result failed; inputs intact */
	WP_ERR_INTERNAL,	/* out of memory or a bug */
};

/* The kind as a word for machine-readable reports: "no-rule", "usage",
 * "profile", "input", "write", "internal"; NULL for WP_OK. */
static inline const char *wp_err_name(enum wp_err e)
{
	static const char *const names[] = {
		[WP_ERR_NO_RULE] = "no-rule", [WP_ERR_USAGE] = "usage",
		[WP_ERR_PROFILE] = "profile", [WP_ERR_INPUT] = "input",
		[WP_ERR_WRITE] = "write", [WP_ERR_INTERNAL] = "internal",
	};
	if (e == WP_OK)
		return NULL;
	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "internal";
}

/* The worse of two results, for runs that go on after a failure. */
static inline enum wp_err wp_err_worst(enum wp_err a, enum wp_err b)
{
	return a > b ? a : b;
}

#endif
