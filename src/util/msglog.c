/* msglog.c - the run's messages in a file; see msglog.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/escape.h"
#include "util/infile.h"
#include "util/msg.h"
#include "util/msglog.h"
#include "util/strbuf.h"

static int log_fd = -1;
static const char *log_path;

bool msglog_on(void)
{
	return log_fd >= 0;
}

/* One line in one write(2): with O_APPEND, lines of other threads and of
 * other runs writing the same log never interleave within a line. */
static void put(const char *prefix, const char *text)
{
	struct strbuf b = STRBUF_INIT;
	char stamp[32];

	clock_log_stamp(stamp, sizeof(stamp));
	strbuf_addf(&b, "%s wimpatch: %s%s\n", stamp, prefix, text);
	if (b.failed) {
		strbuf_release(&b);
		return;
	}
	size_t off = 0;
	while (off < b.len) {
		ssize_t n = write(log_fd, b.buf + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int fd = log_fd;
			log_fd = -1;	/* said once, not for every message after */
			close(fd);
			msg_error("%s: cannot write to the log: %s", log_path,
				  n < 0 ? strerror(errno) : "no space");
			break;
		}
		off += (size_t)n;
	}
	strbuf_release(&b);
}

void msglog_line(const char *prefix, const char *text)
{
	if (log_fd >= 0)
		put(prefix, text);
}

int msglog_open(const char *path, const char *header)
{
	struct strbuf shown = STRBUF_INIT;
	char why[256];

	if ((log_fd = infile_open_append(path, why, sizeof(why))) < 0) {
		msg_error("%s: cannot open the log: %s", path, why);
		return -1;
	}
	log_path = path;
	esc_add(&shown, header, false);
	put("run: ", shown.buf && !shown.failed ? shown.buf : "");
	strbuf_release(&shown);
	return log_fd >= 0 ? 0 : -1;
}

void msglog_close(int status)
{
	char end[32];

	if (log_fd < 0)
		return;
	snprintf(end, sizeof(end), "exit status %d", status);
	put("end: ", end);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}
