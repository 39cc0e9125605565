/* iso_copy.c - the in-place route's copy of the image, in a thread; see iso_copy.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "targets/iso_copy.h"
#include "util/copydata.h"
#include "util/msg.h"
#include "util/path.h"
#include "util/progress.h"

/* Runs on the copy thread: counts, and stops when asked to. */
static bool copy_step(void *arg, uint64_t done)
{
	struct iso_copy *c = arg;
	atomic_store(&c->done, done);
	return !atomic_load(&c->stop);
}

static void *copy_run(void *p)
{
	struct iso_copy *c = p;

	/* Not synced here: iso_inplace.c syncs the finished image once,
	 * beside its read-back, before the rename that commits it. */
	c->failed = "copy";
	if (copy_data(c->in, c->out, copy_step, c) < 0)
		goto fail;
	c->failed = NULL;
	atomic_store(&c->finished, true);
	return NULL;
fail:
	c->err = errno;
	atomic_store(&c->finished, true);
	return NULL;
}

void iso_copy_start(struct iso_copy *c, int in, int out)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->armed = true;
	c->in = in;
	c->out = out;
	c->total = fstat(in, &st) == 0 ? (uint64_t)st.st_size : 0;
	c->started = pthread_create(&c->t, NULL, copy_run, c) == 0;
}

enum wp_err iso_copy_wait(struct iso_copy *c, const char *src, const char *dst)
{
	if (c->waited || !c->armed)
		return WP_OK;
	c->waited = true;
	msg_verbose("%s: copying it to %s", src, dst);
	if (!c->started) {
		copy_run(c);
	} else {
		struct timespec tick = { 0, 100 * 1000 * 1000 };
		while (!atomic_load(&c->finished)) {
			if (c->total > (256u << 20))
				progress_update(path_base(dst), "copying", atomic_load(&c->done), c->total);
			nanosleep(&tick, NULL);
		}
		pthread_join(c->t, NULL);
		if (c->total > (256u << 20))
			progress_update(path_base(dst), "copying", c->total, c->total);
		progress_done();
	}
	if (c->failed) {
		msg_error("%s: cannot %s it to %s: %s", src, c->failed, dst, strerror(c->err));
		return WP_ERR_WRITE;
	}
	return WP_OK;
}

void iso_copy_cancel(struct iso_copy *c)
{
	if (c->waited || !c->armed)
		return;
	c->waited = true;
	atomic_store(&c->stop, true);
	if (c->started)
		pthread_join(c->t, NULL);
}
