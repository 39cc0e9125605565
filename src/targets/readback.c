/* readback.c - reading a written WIM back; see readback.h.
 *
 * Each hive is one item: its blob looked up (which loads its image's
 * metadata, checked by wimlib against its SHA-1), extracted, parsed and
 * compared with the changes reported.  The items are independent but for
 * twins (an item that got an earlier one's data, which needs that one's
 * SHA-1), so two threads take them in order, each through a WIMStruct of
 * its own (wimlib allows one per thread), silenced; the calling thread
 * then goes through the results in order and says what a serial read
 * would have said, doing again, aloud, an item a thread found wrong.  A
 * stand-in of an ISO image's WIM (wim_sparse.c) fetches what is read into
 * one file and is read in one thread.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/msg.h"
#include "targets/readback.h"
#include "targets/targets.h"

void readback_free(struct readback *rb)
{
	free(rb->sha1);
	free(rb->have);
	free(rb->loaded);
	memset(rb, 0, sizeof(*rb));
}

/* What the items share.  `done` and `status` are written under `lock` by
 * the threads (and read by them, waiting for a twin's origin). */
struct items {
	const char *written, *shown, *scratch;
	unsigned pass;
	const struct pending *pend;
	size_t n;
	const struct file_report *fr;
	struct readback *rb;
	bool threaded;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool *done;
	int *status;
	bool *twin;		/* [i]: found to be its origin's data */
	size_t next;
};

/* Wait until item j is done (threads only); its status. */
static int wait_for(struct items *it, size_t j)
{
	if (!it->threaded)
		return it->status[j];
	pthread_mutex_lock(&it->lock);
	while (!it->done[j])
		pthread_cond_wait(&it->cond, &it->lock);
	int s = it->status[j];
	pthread_mutex_unlock(&it->lock);
	return s;
}

/* Did item i get the data of an earlier item (a twin's), and is that one
 * blob in what was written, read back without fault?  Then reading it
 * back once is enough: the blob was extracted (wimlib checks its SHA-1)
 * and its hive checked.  Notes i's SHA-1 either way. */
static bool same_data(struct items *it, struct wim *w, size_t i)
{
	const struct pending *p = &it->pend[i];
	struct readback *rb = it->rb;
	size_t j = p->same_as;

	rb->have[i] = wim_file_hash(w, p->image, p->stored, rb->sha1[i]) == WP_OK;
	return rb->have[i] && j < i && wait_for(it, j) == WP_OK && rb->have[j] &&
	       memcmp(rb->sha1[i], rb->sha1[j], WIM_SHA1_LEN) == 0;
}

/* The transaction logs emptied beside item i's hive are empty in `w`. */
static enum wp_err logs_empty(struct wim *w, const struct pending *p,
			      const struct hive_report *rep, const char *where)
{
	for (size_t k = 0; k < rep->n_logs; k++) {
		char *log = NULL;
		uint64_t size = 1;
		if (strcmp(rep->logs[k].action, "emptied") != 0)
			continue;
		bool empty = wim_find_file(w, p->image, rep->logs[k].name, &log) == WP_OK && log &&
			     wim_file_size(w, p->image, log, &size) == WP_OK && size == 0;
		free(log);
		if (!empty) {
			msg_error("%s: verification failed: the transaction log %s is not empty",
				  where, rep->logs[k].name);
			return WP_ERR_WRITE;
		}
	}
	return WP_OK;
}

/* The hive's metadata in `w` is what it was before the write. */
static enum wp_err meta_kept(struct wim *w, const struct pending *p, const char *where)
{
	if (!p->meta)
		return WP_OK;
	char *now = wim_file_metadata(w, p->image, p->stored);
	bool same = now && strcmp(now, p->meta) == 0;
	free(now);
	if (same)
		return WP_OK;
	msg_error("%s: verification failed: the hive's metadata (security descriptor, attributes, "
		  "short name, named streams, links or times) changed", where);
	return WP_ERR_WRITE;
}

/* Item i read through `w`, into a directory of its own (`again`: the
 * calling thread doing over what a thread found wrong). */
static enum wp_err check_item(struct items *it, struct wim *w, size_t i, bool again)
{
	const struct pending *p = &it->pend[i];
	const struct hive_report *rep = &it->fr->hives[p->rep_index];
	char *dir = NULL, *file = NULL, *where = NULL;
	struct msg_where about = { .image = p->image, .hive = p->stored + 1 };
	enum wp_err ret = WP_OK;

	msg_where_push(&about);
	it->twin[i] = false;
	if (asprintf(&dir, "%s/verify-%u-%zu%s", it->scratch, it->pass, i, again ? "-again" : "") <
		    0 ||
	    asprintf(&file, "%s/%s", dir, strrchr(p->stored, '/') + 1) < 0 ||
	    asprintf(&where, "%s: image %d: %s", it->shown, p->image, p->stored + 1) < 0) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
	} else if (same_data(it, w, i)) {
		it->twin[i] = true;
	} else if (mkdir(dir, 0700) < 0 || wim_extract_file(w, p->image, p->stored, dir) != WP_OK) {
		msg_error("%s: verification failed: cannot extract the written hive", where);
		ret = WP_ERR_WRITE;
	} else {
		ret = hivefile_verify(file, &rep->changes, where, false);
	}
	if (ret == WP_OK)
		ret = logs_empty(w, p, rep, where);
	if (ret == WP_OK)
		ret = meta_kept(w, p, where);
	msg_where_pop(&about);
	free(dir);
	free(file);
	free(where);
	return ret;
}

/* A thread: items in order, through a WIMStruct of its own, silenced (the
 * calling thread says what they found). */
static void *worker(void *arg)
{
	struct items *it = arg;
	struct wim *w;

	msg_thread_silence(true);
	w = wim_open(it->written, false);
	for (;;) {
		pthread_mutex_lock(&it->lock);
		size_t i = it->next++;
		pthread_mutex_unlock(&it->lock);
		if (i >= it->n)
			break;
		int s = w ? check_item(it, w, i, false) : WP_ERR_WRITE;
		pthread_mutex_lock(&it->lock);
		it->status[i] = s;
		it->done[i] = true;
		pthread_cond_broadcast(&it->cond);
		pthread_mutex_unlock(&it->lock);
	}
	wim_close(w);
	return NULL;
}

/* Run the items in two threads; false if none could be started (then
 * the calling thread reads them all). */
static bool run_threads(struct items *it)
{
	pthread_t t[2];
	unsigned started = 0;

	if (pthread_mutex_init(&it->lock, NULL) != 0)
		return false;
	if (pthread_cond_init(&it->cond, NULL) != 0) {
		pthread_mutex_destroy(&it->lock);
		return false;
	}
	it->threaded = true;
	for (; started < 2; started++)
		if (pthread_create(&t[started], NULL, worker, it) != 0)
			break;
	for (unsigned k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	pthread_cond_destroy(&it->cond);
	pthread_mutex_destroy(&it->lock);
	it->threaded = false;
	/* Each thread takes items until none is left: if one started, all
	 * were read. */
	return started > 0;
}

/* Every item, in order, said as a serial read says it: read here (aloud)
 * unless a thread read it without fault.  Stops at the first fault. */
static enum wp_err read_items(struct items *it, struct wim *w, int image_count)
{
	bool threads = wim_thread_count() >= 2 && it->n >= 2 && !wim_sparse_is(it->written) &&
		       run_threads(it);

	for (size_t i = 0; i < it->n; i++) {
		const struct pending *p = &it->pend[i];
		if (!threads || it->status[i] != WP_OK)
			it->status[i] = check_item(it, w, i, threads);
		if (it->status[i] != WP_OK)
			return it->status[i];
		if (it->twin[i])
			msg_verbose("%s: image %d: %s: the same data as image %d's, read back above",
				    it->shown, p->image, p->stored + 1, it->pend[p->same_as].image);
		/* Its metadata was read from the written file (wim_file_hash). */
		if (it->rb->have[i] && p->image >= 1 && p->image <= image_count)
			it->rb->loaded[p->image] = true;
	}
	return WP_OK;
}

enum wp_err readback_verify(const char *written, const char *shown, const struct pending *pend,
			    size_t n_pend, const struct file_report *fr, int image_count,
			    int boot_index, const char *scratch, const struct image_ops *io,
			    struct readback *out)
{
	static unsigned pass;	/* a split set is read back twice */
	struct wim *w = wim_open(written, false);
	struct readback rb = { calloc(n_pend + 1, sizeof(*rb.sha1)),
			       calloc(n_pend + 1, sizeof(*rb.have)),
			       calloc((size_t)image_count + 2, sizeof(*rb.loaded)) };
	struct items it = { .written = written, .shown = shown, .scratch = scratch,
			    .pass = ++pass, .pend = pend, .n = n_pend, .fr = fr, .rb = &rb,
			    .done = calloc(n_pend + 1, sizeof(bool)),
			    .status = calloc(n_pend + 1, sizeof(int)),
			    .twin = calloc(n_pend + 1, sizeof(bool)) };
	enum wp_err ret = WP_OK;

	if (!w) {
		msg_error("%s: verification failed: what was written cannot be opened", shown);
		ret = WP_ERR_WRITE;
	} else if (!rb.sha1 || !rb.have || !rb.loaded || !it.done || !it.status || !it.twin) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
	}
	if (ret != WP_OK)
		goto out;
	msg_verbose("%s: reading back what was written", shown);
	if (wim_image_count(w) != image_count || wim_boot_index(w) != boot_index) {
		msg_error("%s: verification failed: image count or boot index changed", shown);
		ret = WP_ERR_WRITE;
		goto out;
	}
	ret = read_items(&it, w, image_count);
	if (ret == WP_OK)
		ret = image_ops_verify(w, shown, io, scratch);
	for (size_t k = 0; ret == WP_OK && k < io->n_pend; k++)
		if (io->pend[k].image >= 1 && io->pend[k].image <= image_count)
			rb.loaded[io->pend[k].image] = true;
out:
	wim_close(w);
	free(it.done);
	free(it.status);
	free(it.twin);
	if (out && ret == WP_OK)
		*out = rb;
	else
		readback_free(&rb);
	return ret;
}
