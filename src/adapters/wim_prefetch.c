/*
 * wim_prefetch.c - wim_keep_prepare_many: preparing the files of a solid
 * (ESD) archive in a small pool of threads, each reading the WIM through
 * a WIMStruct of its own.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wimlib.h>

#include "core/error.h"
#include "util/msg.h"
#include "adapters/ntfsvol.h"
#include "adapters/wim.h"
#include "adapters/wim_int.h"

/* ------------------------------------------------------------------ */
/* Preparing several files at once (see wim.h) */

struct prep_pool {
	struct wim *w;
	struct wim_keep_job *jobs;
	char **vols;		/* each job's volume, for w->volumes */
	size_t n, next;
	pthread_mutex_t lock;
	/* Each job's blob, once its file is looked up (`known`; `have`: it
	 * was found), so that a job can tell whether an earlier one of its
	 * group has the same: a job waits (`seen`) until every earlier job
	 * is known, which takes a lookup, not an extraction. */
	pthread_cond_t seen;
	unsigned char (*sha1)[WIM_SHA1_LEN];
	bool *known, *have;
};

static int sha1_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	memcpy(ctx, d->streams[0].resource.sha1_hash, WIM_SHA1_LEN);
	return 0;
}

/* Note job i's blob (have: found), wake the jobs that wait for it, and
 * tell whether an earlier job of its group has the same blob. */
static bool known_twin(struct prep_pool *p, size_t i, bool have)
{
	bool twin = false;

	pthread_mutex_lock(&p->lock);
	p->have[i] = have;
	p->known[i] = true;
	pthread_cond_broadcast(&p->seen);
	for (size_t j = 0; j < i; j++) {
		while (!p->known[j])
			pthread_cond_wait(&p->seen, &p->lock);
		twin = twin || (have && p->have[j] && p->jobs[j].group == p->jobs[i].group &&
				memcmp(p->sha1[j], p->sha1[i], WIM_SHA1_LEN) == 0);
	}
	pthread_mutex_unlock(&p->lock);
	return twin;
}

/* One job, in a worker thread, through the worker's own `ws`: what
 * keep_prepare does, for a file with one link, messages silenced. */
static void prep_one(struct prep_pool *p, WIMStruct *ws, size_t i)
{
	struct wim_keep_job *job = &p->jobs[i];
	struct wim *w = p->w, wt = *p->w;
	struct wim_keep *k = NULL;
	char *vol = NULL;

	/* The path, as the image spells it, looked up through this thread's
	 * WIMStruct. */
	wt.ws = ws;
	bool found = wim_find_file(&wt, job->image, job->path, &job->stored) == WP_OK &&
		     job->stored &&
		     wimlib_iterate_dir_tree(ws, job->image, job->stored, 0, sha1_cb, p->sha1[i]) == 0;
	if (known_twin(p, i, found) || !found ||
	    asprintf(&job->copy, "%s/%s", job->scratch, strrchr(job->stored, '/') + 1) < 0) {
		job->copy = NULL;
		return;
	}
	k = calloc(1, sizeof(*k));
	if (!k || !(k->stored = strdup(job->stored)) || !(k->scratch = strdup(job->scratch)) ||
	    asprintf(&k->where, "%s: image %d: %s", w->path, job->image, job->stored + 1) < 0) {
		if (k)
			k->where = NULL;
		goto fail;
	}
	k->image = job->image;
	if (file_info_get(ws, w->path, job->image, job->stored, &k->fi) != WP_OK ||
	    (job->max_size && k->fi.size > job->max_size) || k->fi.links.n != 1 ||
	    (k->fi.attributes & (WIMLIB_FILE_ATTRIBUTE_DIRECTORY |
				 WIMLIB_FILE_ATTRIBUTE_REPARSE_POINT |
				 WIMLIB_FILE_ATTRIBUTE_ENCRYPTED)) ||
	    !(k->T = add_target(&k->fi, k->where, &k->renamed)) ||
	    strv_add(&k->rel, k->fi.links.v[0] + strlen(k->T)) < 0 ||
	    metadata_text(ws, w->path, job->image, job->stored, false, WS_IN, &k->before) != WP_OK)
		goto fail;
	k->room = 2 * k->fi.size + (1u << 20);
	if (asprintf(&vol, "%s/image%d-p%zu.ntfs", job->scratch, job->image, i) < 0) {
		vol = NULL;
		goto fail;
	}
	if (ntfsvol_create(vol, ntfsvol_size_for(k->room, k->fi.stream_bytes), k->where) < 0)
		goto fail;
	k->volpath = vol;
	bool done = false;
	enum wp_err r = extract_moved(ws, w->path, job->image, k->T, &k->rel, vol, k->where, true,
				      &done);
	if (r != WP_OK || !done || ntfsvol_read_data(vol, k->rel.v[0], job->copy, k->where) < 0) {
		unlink(vol);
		unlink(job->copy);
		goto fail;
	}
	job->keep = k;
	p->vols[i] = vol;
	return;
fail:
	free(vol);
	wim_keep_free(k);
}

/* A worker opens the WIM afresh for each job: the image it loaded and the
 * chunk it decompressed are freed before the next (memory stays at one
 * image and one chunk per thread). */
static void *prep_worker(void *arg)
{
	struct prep_pool *p = arg;

	msg_thread_silence(true);
	for (;;) {
		WIMStruct *ws = NULL;
		pthread_mutex_lock(&p->lock);
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			break;
		if (wimlib_open_wim(p->w->path, 0, &ws) == 0 && reference_parts(p->w, ws) == WP_OK)
			prep_one(p, ws, i);
		else
			known_twin(p, i, false);
		wimlib_free(ws);
	}
	return NULL;
}

static int noop_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	(void)d;
	(void)ctx;
	return 0;
}

void wim_keep_prepare_many(struct wim *w, struct wim_keep_job *jobs, size_t n)
{
	struct prep_pool p = { .w = w, .jobs = jobs, .n = n };
	pthread_t t[2];
	unsigned nt = wim_conf.threads < 2 ? wim_conf.threads : 2, started = 0;

	for (size_t i = 0; i < n; i++) {
		jobs[i].keep = NULL;
		jobs[i].stored = jobs[i].copy = NULL;
	}
	/* A stand-in (wim_sparse.c) fetches a file's data as it is prepared,
	 * one at a time. */
	if (nt < 2 || n < 2 || !wim_is_solid(w) || wim_sparse_is(w->path))
		return;
	char **vs = realloc(w->volumes, (w->n_volumes + n) * sizeof(*vs));
	if (!vs)
		return;
	w->volumes = vs;
	p.vols = calloc(n, sizeof(*p.vols));
	p.sha1 = calloc(n, sizeof(*p.sha1));
	p.known = calloc(n, sizeof(*p.known));
	p.have = calloc(n, sizeof(*p.have));
	bool ok = p.vols && p.sha1 && p.known && p.have;
	if (!ok || pthread_mutex_init(&p.lock, NULL) != 0) {
		free(p.vols);
		free(p.sha1);
		free(p.known);
		free(p.have);
		return;
	}
	if (pthread_cond_init(&p.seen, NULL) != 0) {
		pthread_mutex_destroy(&p.lock);
		free(p.vols);
		free(p.sha1);
		free(p.known);
		free(p.have);
		return;
	}
	/* wimlib's messages go to stderr (with -v) while the threads run:
	 * nothing else may redirect them meanwhile.  Process-wide state that
	 * libraries set up on first use is set up here, before the threads:
	 * libntfs-3g's name encoding, and wimlib's CPU feature detection
	 * (reading an image's metadata does it; this one is read later
	 * anyway). */
	ntfsvol_init();
	wimlib_iterate_dir_tree(w->ws, jobs[0].image, "/", 0, noop_cb, NULL);
	for (; started < nt; started++)
		if (pthread_create(&t[started], NULL, prep_worker, &p) != 0)
			break;
	if (started == 0)
		prep_worker(&p);
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_cond_destroy(&p.seen);
	pthread_mutex_destroy(&p.lock);
	free(p.sha1);
	free(p.known);
	free(p.have);
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		if (p.vols[i]) {
			w->volumes[w->n_volumes++] = p.vols[i];	/* wim_close removes it */
			done++;
		}
	}
	free(p.vols);
	msg_verbose("%s: %zu of %zu hives extracted to scratch volumes in %u threads", w->path,
		    done, n, started ? started : 1);
}
