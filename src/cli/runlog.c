/* runlog.c - --progress and --log; see runlog.h. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli/exit.h"
#include "cli/runlog.h"
#include "util/msglog.h"
#include "util/progress.h"
#include "util/strbuf.h"

static const char *log_path;

int runlog_option(int id, const char *arg)
{
	switch (id) {
	case OPT_RUNLOG_PROGRESS:
		return progress_set_mode(arg);
	case OPT_RUNLOG_LOG:
		log_path = arg;
		return 0;
	}
	return 1;
}

/* "wimpatch 1.2 (pid 812): wimpatch apply -p iscsi-boot a.iso": which
 * run the lines after it belong to, when several runs share a log. */
static void header(struct strbuf *b, int argc, char **argv)
{
	strbuf_addf(b, "wimpatch %s (pid %ld): wimpatch", PACKAGE_VERSION, (long)getpid());
	for (int i = 0; i < argc; i++)
		strbuf_addf(b, " %s", argv[i]);
}

int runlog_start(int argc, char **argv)
{
	progress_init();
	if (!log_path)
		return -1;
	struct strbuf b = STRBUF_INIT;
	header(&b, argc, argv);
	int r = msglog_open(log_path, b.buf && !b.failed ? b.buf : "wimpatch");
	strbuf_release(&b);
	return r < 0 ? EXIT_USAGE : -1;
}

int runlog_end(int status)
{
	msglog_close(status);
	return status;
}
