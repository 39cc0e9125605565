/* progress.c - progress bar or dated progress lines; see progress.h. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/escape.h"
#include "util/msg.h"
#include "util/progress.h"

enum mode { MODE_AUTO, MODE_BAR, MODE_PLAIN, MODE_NONE };
static const char *const mode_words[] = { "auto", "bar", "plain", "none" };

static enum mode mode = MODE_AUTO, shown = MODE_NONE;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The step being reported, and what of it was said last. */
static struct {
	char key[256];		/* "file: step", as given */
	char what[256];		/* and escaped, as shown */
	uint64_t done, total;
	bool active, said_last;	/* said_last: its current state is printed */
	double said_at;		/* monotonic seconds of its last plain line */
	double started;
	int pct;		/* of the bar drawn, -1: none */
	bool drawn;
} cur = { .pct = -1 };

int progress_set_mode(const char *word)
{
	for (size_t i = 0; i < sizeof(mode_words) / sizeof(mode_words[0]); i++)
		if (strcmp(word, mode_words[i]) == 0) {
			mode = (enum mode)i;
			return 0;
		}
	msg_error("--progress=%s: not one of auto, bar, plain, none", word);
	return -1;
}

void progress_init(void)
{
	/* Asked for by name, a mode is shown even with -q: a CI job that
	 * wants only errors and progress says -q --progress=plain. */
	if (mode != MODE_AUTO)
		shown = mode;
	else
		shown = isatty(STDERR_FILENO) && msg_verbosity >= VERB_NORMAL ? MODE_BAR : MODE_NONE;
}

bool progress_shown(void)
{
	return shown != MODE_NONE;
}

static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int percent(uint64_t done, uint64_t total)
{
	if (!total)
		return 0;
	return done >= total ? 100 : (int)((double)done * 100 / (double)total);
}

/* Redrawn when the percentage changes; without a total, the bytes so far
 * or the seconds the step has run stand in its place. */
static void draw_bar(void)
{
	int pct = cur.total ? percent(cur.done, cur.total)
		  : cur.done ? (int)(cur.done >> 20) : (int)(mono_now() - cur.started);
	if (cur.drawn && pct == cur.pct)
		return;
	int fill = cur.total ? pct / 4 : 0;
	if (cur.total)
		fprintf(stderr, "\r%-40.40s [%.*s%*s] %3d%% %7.1f MiB", cur.what, fill,
			"#########################", 25 - fill, "", pct,
			(double)cur.total / (1 << 20));
	else if (cur.done)
		fprintf(stderr, "\r%-40.40s %7.1f MiB so far%20s", cur.what,
			(double)cur.done / (1 << 20), "");
	else
		fprintf(stderr, "\r%-40.40s running for %d s%20s", cur.what, pct, "");
	fflush(stderr);
	cur.pct = pct;
	cur.drawn = true;
}

static void erase_bar(void)
{
	if (!cur.drawn)
		return;
	fprintf(stderr, "\r%*s\r", 79, "");
	fflush(stderr);
	cur.drawn = false;
	cur.pct = -1;
}

/* How far the step is: "1.2 GiB of 4.6 GiB (26 %)"; "1.2 GiB" when the
 * total is not known; "running for 12 s" ("done in 12 s" at its end)
 * when not even the bytes are (a program that shows nothing). */
static void say_plain(bool end)
{
	char stamp[32], done[32], total[32];
	double secs = mono_now() - cur.started;

	clock_log_stamp(stamp, sizeof(stamp));
	msg_human_size(cur.done, done, sizeof(done));
	fflush(stdout);
	if (cur.total)
		fprintf(stderr, "%s wimpatch: %s: %s of %s (%d %%)\n", stamp, cur.what, done,
			msg_human_size(cur.total, total, sizeof(total)),
			percent(cur.done, cur.total));
	else if (cur.done)
		fprintf(stderr, "%s wimpatch: %s: %s%s\n", stamp, cur.what, done,
			end ? "" : " so far");
	else
		fprintf(stderr, "%s wimpatch: %s: %s %.0f s\n", stamp, cur.what,
			end ? "done in" : "running for", secs);
	fflush(stderr);
	cur.said_at = mono_now();
	cur.said_last = true;
}

/* A new step: what it is, escaped (names come from the inputs). */
static void start(const char *what)
{
	struct strbuf b = STRBUF_INIT;

	snprintf(cur.key, sizeof(cur.key), "%s", what);
	esc_add(&b, what, false);
	snprintf(cur.what, sizeof(cur.what), "%s", b.buf && !b.failed ? b.buf : "");
	strbuf_release(&b);
	cur.active = true;
	cur.said_last = false;
	cur.pct = -1;		/* the bar is drawn again, with the new name */
	cur.said_at = cur.started = mono_now();
}

void progress_update(const char *file, const char *step, uint64_t done, uint64_t total)
{
	char what[sizeof(cur.key)];

	if (shown == MODE_NONE)
		return;
	snprintf(what, sizeof(what), "%s: %s", file, step);
	pthread_mutex_lock(&lock);
	bool same = cur.active && strcmp(what, cur.key) == 0;
	if (!same && cur.active && shown == MODE_PLAIN && !cur.said_last)
		say_plain(true);	/* the step before ends where it got to */
	if (!same)
		start(what);
	/* The same state again (a tick of a program that shows no bytes
	 * still moves the clock). */
	if (same && done == cur.done && total == cur.total && (total || done) && cur.said_last) {
		pthread_mutex_unlock(&lock);
		return;
	}
	cur.done = done;
	cur.total = total;
	cur.said_last = false;
	if (shown == MODE_BAR)
		draw_bar();
	else if ((total && done >= total) || mono_now() - cur.said_at >= PROGRESS_PLAIN_EVERY)
		say_plain(total && done >= total);
	pthread_mutex_unlock(&lock);
}

void progress_done(void)
{
	pthread_mutex_lock(&lock);
	erase_bar();
	if (shown == MODE_PLAIN && cur.active && (!cur.said_last || !cur.total))
		say_plain(true);
	cur.active = false;
	pthread_mutex_unlock(&lock);
}

void progress_clear(void)
{
	pthread_mutex_lock(&lock);
	erase_bar();
	pthread_mutex_unlock(&lock);
}
