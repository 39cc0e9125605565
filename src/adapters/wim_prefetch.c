/*
 * wim_prefetch.c - preparing files to edit (wim_keep_prepare) in other
 * threads, each reading the WIM through a WIMStruct of its own: all of a
 * solid (ESD) archive's up front (wim_keep_prepare_many), or the next
 * ones of another WIM while the caller edits (wim_prefetch_start).
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

/*
 * The jobs are claimed in order (`next`): by a worker thread, or, in the
 * background form (wim_prefetch_start), by the caller too, who does a job
 * itself when it comes to one no thread has started.  Each job's blob is
 * noted once its file is looked up (`known`; `have`: it was found), so
 * that a job can tell whether an earlier one of its group has the same
 * (it is then left to the caller, who edits such a hive once): a worker
 * waits for every earlier job to be known, which takes a lookup, not an
 * extraction.  The caller's own jobs are known when it says so
 * (wim_prefetch_known) or moves on to a later job.
 */
/* Where a job is.  A job a worker is only looking up is the caller's
 * for the taking (it would wait for a lookup it can do as fast itself);
 * one it is extracting, the caller waits for. */
enum job_state { JOB_FREE, JOB_LOOKUP, JOB_WORK, JOB_DONE, JOB_CALLER };

struct prep_pool {
	struct wim *w;
	struct wim_keep_job *jobs;
	char **vols;		/* each job's volume, for w->volumes */
	size_t n, next;
	pthread_mutex_t lock;
	pthread_cond_t seen;	/* a job became known or done, or stop */
	unsigned char (*sha1)[WIM_SHA1_LEN];
	bool *known, *have;
	unsigned char *state;	/* each job's: enum job_state */
	bool stop;		/* wim_prefetch_end: no job is started any more */
	pthread_t thread;	/* the background form's worker */
	bool started;
};

static int sha1_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	memcpy(ctx, d->streams[0].resource.sha1_hash, WIM_SHA1_LEN);
	return 0;
}

/* Note job i's blob (have: found), wake the jobs that wait for it, and
 * tell whether an earlier job of its group has the same blob; true also
 * when the pool is stopped (the job is then not done). */
static bool known_twin(struct prep_pool *p, size_t i, bool have)
{
	bool twin = false;

	pthread_mutex_lock(&p->lock);
	p->have[i] = have;
	p->known[i] = true;
	pthread_cond_broadcast(&p->seen);
	for (size_t j = 0; j < i && !twin; j++) {
		while (!p->known[j] && !p->stop)
			pthread_cond_wait(&p->seen, &p->lock);
		twin = p->stop ||
		       (have && p->have[j] && p->jobs[j].group == p->jobs[i].group &&
			memcmp(p->sha1[j], p->sha1[i], WIM_SHA1_LEN) == 0);
	}
	pthread_mutex_unlock(&p->lock);
	return twin;
}

/* Job i, looked up, is to be extracted, unless the caller took it. */
static bool start_work(struct prep_pool *p, size_t i)
{
	pthread_mutex_lock(&p->lock);
	bool mine = p->state[i] == JOB_LOOKUP;
	if (mine)
		p->state[i] = JOB_WORK;
	pthread_mutex_unlock(&p->lock);
	return mine;
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
	if (known_twin(p, i, found) || !found || !start_work(p, i) ||
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
	if (asprintf(&vol, "%s/image%d-p%zu.ntfs", job->scratch, job->image, i) < 0) {
		vol = NULL;
		goto fail;
	}
	/* Of the size wim_keep_prepare makes (so that one pristine volume
	 * serves both), with the room it gives. */
	if (wim_volume_make(w, vol, ntfsvol_size_for(k->fi.size, k->fi.stream_bytes), k->where) < 0)
		goto fail;
	k->room = 2 * k->fi.size + (1u << 20);
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

/* The next job no one has claimed, or n if none (or the pool stopped). */
static size_t claim(struct prep_pool *p)
{
	pthread_mutex_lock(&p->lock);
	size_t i = p->stop || p->next >= p->n ? p->n : p->next++;
	if (i < p->n)
		p->state[i] = JOB_LOOKUP;
	pthread_mutex_unlock(&p->lock);
	return i;
}

/* A worker opens the WIM afresh for each job: the image it loaded (cut
 * down by extract_moved, so wimlib keeps it) and the chunk it
 * decompressed are freed before the next (memory stays at one image and
 * one chunk per thread). */
static void *prep_worker(void *arg)
{
	struct prep_pool *p = arg;

	msg_thread_silence(true);
	for (size_t i; (i = claim(p)) < p->n;) {
		WIMStruct *ws = NULL;
		if (wimlib_open_wim(p->w->path, 0, &ws) == 0 && reference_parts(p->w, ws) == WP_OK)
			prep_one(p, ws, i);
		else
			known_twin(p, i, false);
		/* Done before the WIMStruct is freed (some ms for an image of
		 * many files): the caller may be waiting. */
		pthread_mutex_lock(&p->lock);
		if (p->state[i] != JOB_CALLER)
			p->state[i] = JOB_DONE;
		pthread_cond_broadcast(&p->seen);
		pthread_mutex_unlock(&p->lock);
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

/* Jobs no thread has prepared (yet): what wim.h says of each. */
static void jobs_clear(struct wim_keep_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		jobs[i].keep = NULL;
		jobs[i].stored = jobs[i].copy = NULL;
	}
}

static void pool_free(struct prep_pool *p)
{
	free(p->vols);
	free(p->sha1);
	free(p->known);
	free(p->have);
	free(p->state);
	free(p);
}

/* A pool for the n jobs, or NULL (nothing said: the caller prepares them
 * itself). */
static struct prep_pool *pool_new(struct wim *w, struct wim_keep_job *jobs, size_t n)
{
	struct prep_pool *p = calloc(1, sizeof(*p));

	jobs_clear(jobs, n);
	if (!p)
		return NULL;
	*p = (struct prep_pool){ .w = w, .jobs = jobs, .n = n };
	p->vols = calloc(n, sizeof(*p->vols));
	p->sha1 = calloc(n, sizeof(*p->sha1));
	p->known = calloc(n, sizeof(*p->known));
	p->have = calloc(n, sizeof(*p->have));
	p->state = calloc(n, sizeof(*p->state));
	if (!p->vols || !p->sha1 || !p->known || !p->have || !p->state ||
	    pthread_mutex_init(&p->lock, NULL) != 0) {
		pool_free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->seen, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		pool_free(p);
		return NULL;
	}
	/* The threads are silenced, wimlib's messages too (wim.c, wlog).
	 * Process-wide state that libraries set up on first use is set up
	 * here, before the threads: libntfs-3g's name encoding, and wimlib's
	 * CPU feature detection (reading an image's metadata does it; this
	 * one is read later anyway). */
	ntfsvol_init();
	wimlib_iterate_dir_tree(w->ws, jobs[0].image, "/", 0, noop_cb, NULL);
	return p;
}

/* Give the volumes made to w (wim_close removes them: the prepared files
 * are read from them while writing) and free the pool; `by` says who made
 * them, for -v.  Room is made here, not before: the caller makes volumes
 * of its own meanwhile (wim_volume_name).  For want of memory they stay
 * in their scratch directory, which goes after wim_close. */
static void pool_end(struct prep_pool *p, const char *by)
{
	struct wim *w = p->w;
	size_t done = 0;

	pthread_cond_destroy(&p->seen);
	pthread_mutex_destroy(&p->lock);
	char **vs = realloc(w->volumes, (w->n_volumes + p->n) * sizeof(*vs));
	if (vs)
		w->volumes = vs;
	for (size_t i = 0; i < p->n; i++) {
		if (p->vols[i]) {
			if (vs)
				w->volumes[w->n_volumes++] = p->vols[i];
			else
				free(p->vols[i]);
			done++;
		}
	}
	msg_verbose("%s: %zu of %zu hives extracted to scratch volumes %s", w->path, done, p->n,
		    by);
	pool_free(p);
}

void wim_keep_prepare_many(struct wim *w, struct wim_keep_job *jobs, size_t n)
{
	unsigned nt = wim_conf.threads < 2 ? wim_conf.threads : 2, started = 0;
	pthread_t t[2];

	/* A stand-in (wim_sparse.c) fetches a file's data as it is prepared,
	 * one at a time. */
	if (nt < 2 || n < 2 || !wim_is_solid(w) || wim_sparse_is(w->path)) {
		jobs_clear(jobs, n);
		return;
	}
	struct prep_pool *p = pool_new(w, jobs, n);
	if (!p)
		return;
	for (; started < nt; started++)
		if (pthread_create(&t[started], NULL, prep_worker, p) != 0)
			break;
	if (started == 0)
		prep_worker(p);
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pool_end(p, started > 1 ? "in 2 threads" : "in 1 thread");
}

/* ------------------------------------------------------------------ */
/* Preparing the next files while the caller edits (see wim.h) */

struct wim_prefetch *wim_prefetch_start(struct wim *w, struct wim_keep_job *jobs, size_t n)
{
	if (wim_conf.threads < 2 || n < 2 || wim_sparse_is(w->path)) {
		jobs_clear(jobs, n);
		return NULL;
	}
	struct prep_pool *p = pool_new(w, jobs, n);
	if (!p)
		return NULL;
	p->next = 1;		/* the caller does the first itself */
	p->state[0] = JOB_CALLER;
	if (pthread_create(&p->thread, NULL, prep_worker, p) != 0) {
		pool_end(p, "in advance");
		return NULL;
	}
	p->started = true;
	return (struct wim_prefetch *)p;
}

/* Jobs before i are the caller's past: known, whatever it found. */
static void known_before(struct prep_pool *p, size_t i)
{
	for (size_t j = 0; j < i; j++)
		p->known[j] = true;
	pthread_cond_broadcast(&p->seen);
}

struct wim_keep *wim_prefetch_take(struct wim_prefetch *pf, size_t i)
{
	struct prep_pool *p = (struct prep_pool *)pf;
	struct wim_keep *k = NULL;

	if (!p || i >= p->n)
		return NULL;
	pthread_mutex_lock(&p->lock);
	known_before(p, i);
	if (p->state[i] == JOB_FREE || p->state[i] == JOB_LOOKUP || p->state[i] == JOB_CALLER) {
		/* The caller's: no thread starts extracting it. */
		p->state[i] = JOB_CALLER;
		if (p->next <= i)
			p->next = i + 1;
	} else {
		while (p->state[i] != JOB_DONE)
			pthread_cond_wait(&p->seen, &p->lock);
		k = p->jobs[i].keep;
		p->jobs[i].keep = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	return k;
}

void wim_prefetch_known(struct wim_prefetch *pf, size_t i, const unsigned char *sha1)
{
	struct prep_pool *p = (struct prep_pool *)pf;

	if (!p || i >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->known[i]) {
		if (sha1)
			memcpy(p->sha1[i], sha1, WIM_SHA1_LEN);
		p->have[i] = sha1 != NULL;
		p->known[i] = true;
		pthread_cond_broadcast(&p->seen);
	}
	pthread_mutex_unlock(&p->lock);
}

void wim_prefetch_end(struct wim_prefetch *pf)
{
	struct prep_pool *p = (struct prep_pool *)pf;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->seen);
	pthread_mutex_unlock(&p->lock);
	if (p->started)
		pthread_join(p->thread, NULL);
	for (size_t i = 0; i < p->n; i++) {
		wim_keep_free(p->jobs[i].keep);	/* prepared, never taken */
		p->jobs[i].keep = NULL;
		free(p->jobs[i].stored);
		free(p->jobs[i].copy);
		p->jobs[i].stored = p->jobs[i].copy = NULL;
	}
	pool_end(p, "in advance, in a thread");
}
