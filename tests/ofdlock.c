/*
 * ofdlock.c - hold the lock wimpatch takes on a WIM while a command runs,
 * as flock(1) does for flock(2) locks:
 *
 *   ofdlock [-s] FILE COMMAND [ARG...]
 *
 * An OFD lock (fcntl F_OFD_SETLKW) over the whole of FILE, a write lock
 * (FILE opened for reading and writing) or with -s a read lock; it is
 * taken before COMMAND starts (waiting for it if need be) and held until
 * COMMAND ends.  The exit status is COMMAND's; 99 if the lock cannot be
 * taken or the command run.
 *
 * Test-only code: never linked into wimpatch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int shared = argc > 1 && strcmp(argv[1], "-s") == 0;
	int a = 1 + shared;
	struct flock fl;
	int status;

	if (argc < a + 2) {
		fprintf(stderr, "usage: ofdlock [-s] FILE COMMAND [ARG...]\n");
		return 99;
	}
	int fd = open(argv[a], (shared ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ofdlock: %s: %s\n", argv[a], strerror(errno));
		return 99;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = shared ? F_RDLCK : F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLKW, &fl) < 0) {
		fprintf(stderr, "ofdlock: %s: %s\n", argv[a], strerror(errno));
		return 99;
	}
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[a + 1], argv + a + 1);
		fprintf(stderr, "ofdlock: %s: %s\n", argv[a + 1], strerror(errno));
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 99;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
