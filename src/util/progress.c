/* progress.c - progress bar on a terminal; see progress.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/msg.h"
#include "util/progress.h"

static bool enabled;
static bool drawn;
static int last_pct = -1;
static char last_what[128];

void progress_init(void)
{
	enabled = isatty(STDERR_FILENO) && msg_verbosity >= VERB_NORMAL;
}

void progress_update(const char *what, uint64_t done, uint64_t total)
{
	if (!enabled || total == 0)
		return;
	int pct = (int)(done * 100 / total);
	if (pct == last_pct && strcmp(what, last_what) == 0)
		return;
	last_pct = pct;
	snprintf(last_what, sizeof(last_what), "%s", what);
	int fill = pct / 4;
	fprintf(stderr, "\r%-40.40s [%.*s%*s] %3d%% %7.1f MiB", what, fill,
		"#########################", 25 - fill, "", pct, (double)total / (1 << 20));
	fflush(stderr);
	drawn = true;
}

void progress_clear(void)
{
	if (!drawn)
		return;
	fprintf(stderr, "\r%*s\r", 79, "");
	fflush(stderr);
	drawn = false;
	last_pct = -1;
}
