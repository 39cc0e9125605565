/* infile.c - opening the files a user names; see infile.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/infile.h"

/* The kind of a file that is not regular, for the message. */
static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	return "a special file";
}

static bool acceptable(const struct stat *st, bool dir_ok, char *why, size_t whylen)
{
	if (S_ISREG(st->st_mode) || (dir_ok && S_ISDIR(st->st_mode)))
		return true;
	snprintf(why, whylen, "not a regular file (%s)", kind_of(st->st_mode));
	return false;
}

int infile_open(const char *path, bool dir_ok, struct stat *st, char *why, size_t whylen)
{
	/* Refused before it is opened: opening a device may do something. */
	if (stat(path, st) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (!acceptable(st, dir_ok, why, whylen))
		return -1;
	/* O_NONBLOCK: if a FIFO took the file's place since stat, open
	 * returns at once instead of waiting for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!acceptable(st, dir_ok, why, whylen)) {
		close(fd);
		return -1;
	}
	/* A regular file never blocks anyway; reads say so plainly. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

char *infile_read(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	int fd = infile_open(path, false, &st, why, whylen);
	char *buf = NULL;
	size_t n = 0, cap;

	if (fd < 0)
		return NULL;
	if ((unsigned long long)st.st_size > max) {
		snprintf(why, whylen, "too large (%lld bytes; the limit is %zu)",
			 (long long)st.st_size, max);
		goto out;
	}
	/* Room for one byte more than fstat said, to see that the file grew;
	 * two for the NULs. */
	cap = (size_t)st.st_size + 3;
	for (;;) {
		if (n + 3 > cap || !buf) {
			cap = buf ? cap * 2 : cap;
			char *nb = realloc(buf, cap);
			if (!nb) {
				snprintf(why, whylen, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		ssize_t r = read(fd, buf + n, cap - 2 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whylen, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			snprintf(why, whylen, "too large (more than %zu bytes)", max);
			goto fail;
		}
	}
	buf[n] = buf[n + 1] = '\0';
	*len = n;
	goto out;
fail:
	free(buf);
	buf = NULL;
out:
	close(fd);
	return buf;
}

int infile_open_append(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(why, whylen, "a symbolic link: refused, a log is written only "
				 "to the file it names");
			return -1;
		}
		if (!acceptable(&st, false, why, whylen))
			return -1;
	} else if (errno != ENOENT) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
			  O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(why, whylen, "%s", errno == ELOOP ? "a symbolic link: refused" :
			 strerror(errno));
		return -1;
	}
	bool stated = fstat(fd, &st) == 0;
	if (!stated)
		snprintf(why, whylen, "%s", strerror(errno));
	if (!stated || !acceptable(&st, false, why, whylen)) {
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}
