/* spawn.c - run an external program; see spawn.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/msg.h"
#include "util/spawn.h"

#define ERR_KEEP (64 * 1024)

void spawn_io_free(struct spawn_io *io)
{
	free(io->out);
	free(io->err);
	io->out = io->err = NULL;
	io->out_len = io->err_len = 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = *cap ? *cap : 4096;
		while (nc < *len + n + 1)
			nc *= 2;
		char *nb = realloc(*buf, nc);
		if (!nb)
			return -1;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/* The child: never returns.  Only async-signal-safe calls before exec. */
static void child(const char *const argv[], int out, int err, int report)
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
	execvp(argv[0], (char *const *)argv);
	int e = errno;
	(void)!write(report, &e, sizeof(e));
	_exit(127);
}

int spawn_run(const char *const argv[], struct spawn_io *io)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	size_t out_cap = 0, err_cap = 0;
	sigset_t block, old;
	int ret = -1, status = 0, exec_errno = 0;
	bool stopped = false, oom = false;

	io->out = io->err = NULL;
	io->out_len = io->err_len = 0;
	io->status = -1;
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		msg_error("cannot run %s: %s", argv[0], strerror(errno));
		goto close_all;
	}
	/* No signal between the fork and the registration of the child. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		child(argv, outp[1], errp[1], rep[1]);
	if (pid > 0)
		fs_track_child(pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		msg_error("cannot run %s: %s", argv[0], strerror(errno));
		goto close_all;
	}
	close(outp[1]);
	close(errp[1]);
	close(rep[1]);
	outp[1] = errp[1] = rep[1] = -1;

	struct pollfd pf[2] = { { .fd = outp[0], .events = POLLIN }, { .fd = errp[0], .events = POLLIN } };
	static char buf[64 * 1024];
	while ((pf[0].fd >= 0 || pf[1].fd >= 0) && !stopped) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2 && !stopped; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			ssize_t n = read(pf[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				if (i == 0)
					outp[0] = -1;
				else
					errp[0] = -1;
				continue;
			}
			if (i == 1) {
				if (append(&io->err, &io->err_len, &err_cap, buf, (size_t)n) < 0) {
					oom = stopped = true;
				} else if (io->err_len > 2 * ERR_KEEP) {
					memmove(io->err, io->err + io->err_len - ERR_KEEP, ERR_KEEP + 1);
					io->err_len = ERR_KEEP;
				}
			} else if (io->on_stdout) {
				if (io->on_stdout(buf, (size_t)n, io->ctx) < 0)
					stopped = true;
			} else if (append(&io->out, &io->out_len, &out_cap, buf, (size_t)n) < 0) {
				oom = stopped = true;
			}
		}
	}
	if (stopped)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	fs_track_child(0);
	if (read(rep[0], &exec_errno, sizeof(exec_errno)) == (ssize_t)sizeof(exec_errno)) {
		msg_error("cannot run %s: %s", argv[0], strerror(exec_errno));
		goto close_all;
	}
	if (oom) {
		msg_error("out of memory");
		goto close_all;
	}
	if (stopped)
		goto close_all;
	io->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	ret = 0;
close_all:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	if (ret == 0) {
		/* Callers may read both as strings. */
		if (!io->out && append(&io->out, &io->out_len, &out_cap, "", 0) < 0)
			ret = -1;
		if (!io->err && append(&io->err, &io->err_len, &err_cap, "", 0) < 0)
			ret = -1;
		if (ret < 0)
			msg_error("out of memory");
	}
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
	static char said[700];
	size_t n = 0;

	said[0] = '\0';
	if (io->err) {
		/* Walk the lines from the end, so that the last ones are kept. */
		char *e = io->err + io->err_len;
		char tmp[sizeof(said)];
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
			if (n + len + 2 >= sizeof(said) - 4) {
				if (n == 0) {	/* one long line: its end */
					snprintf(said, sizeof(said), "...%.*s", (int)(sizeof(said) - 8),
						 end - (sizeof(said) - 8));
					n = strlen(said);
				}
				break;
			}
			snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)len, start, n ? "; " : "", said);
			memcpy(said, tmp, sizeof(said));
			n = strlen(said);
		}
	}
	if (n == 0)
		snprintf(said, sizeof(said), "exit status %d", io->status);
	return said;
}
