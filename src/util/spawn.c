/* spawn.c - run an external program; see spawn.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/msg.h"
#include "util/spawn.h"
#include "util/strbuf.h"

#define ERR_KEEP (64 * 1024)

void spawn_io_free(struct spawn_io *io)
{
	free(io->out);
	free(io->err);
	io->out = io->err = NULL;
	io->out_len = io->err_len = 0;
}

/* The child: never returns.  Only async-signal-safe calls before exec
 * (other threads may hold locks the child would wait for forever). */
static void child(const char *const argv[], const struct spawn_io *io, int out, int err,
		  int report)
{
	sigset_t none;
	int nul;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Not wimpatch's cleanup handlers: the scratch files are the
	 * parent's.  Then let signals in again (they were held for the fork). */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0) {
		int e = errno;
		(void)!write(report, &e, sizeof(e));
		_exit(127);
	}
	if (io->program && io->envp)
		execve(io->program, (char *const *)argv, io->envp);
	else if (io->program)
		execv(io->program, (char *const *)argv);
	else
		execvp(argv[0], (char *const *)argv);
	int e = errno;
	(void)!write(report, &e, sizeof(e));
	_exit(127);
}

/* One run: the pipes, the child, what it said so far. */
struct run {
	int out[2], err[2], rep[2];
	pid_t pid;
	struct strbuf out_text, err_text;	/* what it said, until handed to io */
	bool stopped, oom;
	char buf[64 * 1024];
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_all(struct run *r)
{
	for (int i = 0; i < 2; i++) {
		close_fd(&r->out[i]);
		close_fd(&r->err[i]);
		close_fd(&r->rep[i]);
	}
}

/* Fork and register the child, with no signal in between (an
 * interrupting one would not know to kill it).  Returns 0 or -1. */
static int start(struct run *r, const char *const argv[], const struct spawn_io *io)
{
	sigset_t block, old;
	int e = 0;

	if (pipe2(r->out, O_CLOEXEC) < 0 || pipe2(r->err, O_CLOEXEC) < 0 ||
	    pipe2(r->rep, O_CLOEXEC) < 0) {
		msg_error("cannot run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	fflush(NULL);
	r->pid = fork();
	if (r->pid == 0)
		child(argv, io, r->out[1], r->err[1], r->rep[1]);
	if (r->pid < 0)
		e = errno;
	else if (!fs_child_started(r->pid))
		e = EAGAIN;
	if (e == EAGAIN) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		msg_error("cannot run %s: %s", argv[0], strerror(e));
		return -1;
	}
	close_fd(&r->out[1]);
	close_fd(&r->err[1]);
	close_fd(&r->rep[1]);
	return 0;
}

/* A piece of the child's stderr (i = 1) or stdout (i = 0). */
static void take(struct run *r, struct spawn_io *io, int i, size_t n)
{
	struct strbuf *e = &r->err_text;

	if (i == 1) {
		strbuf_add(e, r->buf, n);
		if (e->len > 2 * ERR_KEEP) {
			memmove(e->buf, e->buf + e->len - ERR_KEEP, ERR_KEEP + 1);
			e->len = ERR_KEEP;
		}
	} else if (io->on_stdout) {
		if (io->on_stdout(r->buf, n, io->ctx) < 0)
			r->stopped = true;
	} else {
		strbuf_add(&r->out_text, r->buf, n);
	}
	if (r->out_text.failed || e->failed)
		r->oom = r->stopped = true;
}

static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* io->on_tick, if a second has passed since the last. */
static void tick(struct spawn_io *io, double *last)
{
	double now = mono_now();
	if (io->on_tick && now - *last >= 1) {
		*last = now;
		io->on_tick(io->ctx);
	}
}

/* Read both pipes until the child closes them (or is to be stopped). */
static void collect(struct run *r, struct spawn_io *io)
{
	struct pollfd pf[2] = { { .fd = r->out[0], .events = POLLIN },
				{ .fd = r->err[0], .events = POLLIN } };
	double last = mono_now();

	while ((pf[0].fd >= 0 || pf[1].fd >= 0) && !r->stopped) {
		tick(io, &last);
		if (poll(pf, 2, io->on_tick ? 1000 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2 && !r->stopped; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			ssize_t n = read(pf[i].fd, r->buf, sizeof(r->buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0) {
				take(r, io, i, (size_t)n);
				continue;
			}
			close_fd(i == 0 ? &r->out[0] : &r->err[0]);
			pf[i].fd = -1;
		}
	}
}

int spawn_run(const char *const argv[], struct spawn_io *io)
{
	struct run *r = calloc(1, sizeof(*r));
	int ret = -1, status = 0, exec_errno = 0;

	io->out = io->err = NULL;
	io->out_len = io->err_len = 0;
	io->status = -1;
	if (!r) {
		msg_error("out of memory");
		return -1;
	}
	for (int i = 0; i < 2; i++)
		r->out[i] = r->err[i] = r->rep[i] = -1;
	if (start(r, argv, io) < 0)
		goto out;
	collect(r, io);
	if (r->stopped)
		kill(r->pid, SIGKILL);
	while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
		;
	fs_child_ended(r->pid);
	if (read(r->rep[0], &exec_errno, sizeof(exec_errno)) == (ssize_t)sizeof(exec_errno))
		msg_error("cannot run %s: %s", io->program ? io->program : argv[0],
			  strerror(exec_errno));
	else if (r->oom)
		msg_error("out of memory");
	else if (!r->stopped)
		ret = 0;
	if (ret == 0) {
		io->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		/* Callers may read both as strings. */
		io->out_len = r->out_text.len;
		io->err_len = r->err_text.len;
		io->out = strbuf_finish(&r->out_text);
		io->err = strbuf_finish(&r->err_text);
		if (!io->out || !io->err) {
			msg_error("out of memory");
			spawn_io_free(io);
			ret = -1;
		}
	}
out:
	close_all(r);
	strbuf_release(&r->out_text);
	strbuf_release(&r->err_text);
	free(r);
	return ret;
}

static bool executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *spawn_find_program(const char *name)
{
	if (!*name)
		return NULL;
	if (strchr(name, '/'))
		return executable(name) ? strdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char *full;
		if (asprintf(&full, "%.*s%s%s", (int)n, p, n ? "/" : "", name) < 0)
			return NULL;
		if (executable(full))
			return full;
		free(full);
		if (!colon)
			return NULL;
		p = colon + 1;
	}
}

const char *spawn_said(struct spawn_io *io)
{
	char *said = io->said;
	size_t n = 0;

	said[0] = '\0';
	if (io->err) {
		/* Walk the lines from the end, so that the last ones are kept. */
		char *e = io->err + io->err_len;
		while (e > io->err) {
			char *end = e;
			while (end > io->err && (end[-1] == '\n' || end[-1] == '\r' ||
						 end[-1] == ' ' || end[-1] == '\t'))
				end--;
			char *start = end;
			while (start > io->err && start[-1] != '\n' && start[-1] != '\r')
				start--;
			e = start;
			while (start < end && (*start == ' ' || *start == '\t'))
				start++;
			size_t len = (size_t)(end - start);
			if (!len)
				continue;
			if (n + len + 2 >= sizeof(io->said) - 4) {
				if (n == 0) {	/* one long line: its end */
					snprintf(said, sizeof(io->said), "...%.*s", (int)(sizeof(io->said) - 8),
						 end - (sizeof(io->said) - 8));
					n = strlen(said);
				}
				break;
			}
			/* Put the line in front ("line; later lines"). */
			size_t sep = n ? 2 : 0;
			memmove(said + len + sep, said, n + 1);
			memcpy(said, start, len);
			memcpy(said + len, "; ", sep);
			n += len + sep;
		}
	}
	if (n == 0)
		snprintf(said, sizeof(io->said), "exit status %d", io->status);
	return said;
}
