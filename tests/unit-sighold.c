/* unit-sighold.c - fs_hold_signals (util/fsutil.c) holds a SIGTERM back
 * whichever thread it reaches: one sent to the process while the main
 * thread holds signals goes to another thread that does not block it
 * (here a helper that sends it itself, so it is delivered to that thread
 * before kill(2) returns); it must wait for the release, then end the
 * process as SIGTERM does, after the handler's cleanup (a tracked scratch
 * directory removed). */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "tap.h"

static int go[2], done_fds[2];

/* Started before the hold: it does not block SIGTERM. */
static void *helper(void *p)
{
	char c;
	(void)p;
	if (read(go[0], &c, 1) != 1)
		return NULL;
	kill(getpid(), SIGTERM);
	(void)!write(done_fds[1], "d", 1);
	return NULL;
}

/* The child: hold, have the helper send SIGTERM, say "held" on `out`,
 * release.  Its scratch directory's name goes first. */
static void child(int out)
{
	pthread_t t;
	char c;

	fs_install_signal_cleanup();
	char *dir = fs_make_tempdir();
	if (!dir || pipe(go) < 0 || pipe(done_fds) < 0 ||
	    pthread_create(&t, NULL, helper, NULL) != 0)
		_exit(2);
	(void)!write(out, dir, strlen(dir) + 1);
	fs_hold_signals(true);
	(void)!write(go[1], "g", 1);
	if (read(done_fds[0], &c, 1) != 1)
		_exit(3);
	(void)!write(out, "held", 4);
	fs_hold_signals(false);
	_exit(0);	/* not reached: the release ends it */
}

int main(void)
{
	char tmpl[] = "unit-sighold.XXXXXX", buf[4200] = "";
	int p[2], status = 0;
	size_t n = 0;
	ssize_t r;

	if (!mkdtemp(tmpl) || setenv("TMPDIR", tmpl, 1) < 0 || pipe(p) < 0)
		bail_out("setup");
	pid_t pid = fork();
	if (pid < 0)
		bail_out("fork");
	if (pid == 0) {
		close(p[0]);
		child(p[1]);
	}
	close(p[1]);
	while (n < sizeof(buf) - 1 && (r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	waitpid(pid, &status, 0);
	size_t dl = strlen(buf);
	struct stat st;
	ok(dl > 0 && n > dl && strcmp(buf + dl + 1, "held") == 0,
	   "the signal another thread took waited while signals were held");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	   "the release ended the process by SIGTERM (status %d)", status);
	ok(dl > 0 && stat(buf, &st) < 0, "after the handler removed its scratch directory");
	if (dl > 0)
		rmdir(buf);
	rmdir(tmpl);
	return done_testing();
}
