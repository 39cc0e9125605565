/* ntfsvol.c - scratch NTFS volumes through libntfs-3g and mkntfs; see ntfsvol.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/cache.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/device_io.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "util/clock.h"
#include "util/fdio.h"
#include "util/msg.h"
#include "util/spawn.h"
#include "adapters/ntfsvol.h"

uint64_t ntfsvol_size_for(uint64_t data_bytes, uint64_t stream_bytes)
{
	const uint64_t mib = 1u << 20;
	uint64_t need = data_bytes + stream_bytes;
	uint64_t size = need + need / 8 + 16 * mib;
	return (size + mib - 1) / mib * mib;
}

/* ------------------------------------------------------------ mkntfs */

/* Debian installs mkntfs in /usr/sbin, which is not on an ordinary
 * user's PATH: look there (and where configure found it) first.
 * $WIMPATCH_MKNTFS names another program to use instead (as
 * WIMPATCH_7Z and the like do for the ISO tools). */
static const char *find_mkntfs(char *buf, size_t len)
{
	const char *env = getenv("WIMPATCH_MKNTFS");
	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	static const char *const fixed[] = {
#ifdef MKNTFS_PATH
		MKNTFS_PATH,
#endif
		"/usr/sbin/mkntfs", "/sbin/mkntfs", "/usr/local/sbin/mkntfs",
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i][0] == '/' && access(fixed[i], X_OK) == 0)
			return fixed[i];
	const char *path = getenv("PATH");
	while (path && *path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && (size_t)snprintf(buf, len, "%.*s/mkntfs", (int)n, path) < len &&
		    buf[0] == '/' && access(buf, X_OK) == 0)
			return buf;
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* The last non-blank line of `text` (in place), or "". */
static const char *last_line(char *text)
{
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	const char *last = strrchr(text, '\n');
	return last ? last + 1 : text;
}

/* Run mkntfs on `path` (through util/spawn.h, so that an interrupting
 * signal kills it too); its chatter (it warns about geometry even with
 * -q) is shown only if it fails. */
static int run_mkntfs(const char *mkntfs, const char *path, const char *where)
{
	/* A fixed environment: the format must not depend on the caller's
	 * locale, and nothing of ours (a preload, say) belongs in mkntfs. */
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	const char *const argv[] = { "mkntfs", "-F", "-f", "-q", "-L", "wimpatch", path, NULL };
	struct spawn_io io = { .program = mkntfs, .envp = envp };

	if (spawn_run(argv, &io) < 0) {
		msg_error("%s: cannot run %s", where, mkntfs);
		return -1;
	}
	int st = io.status;
	if (st == 0) {
		spawn_io_free(&io);
		return 0;
	}
	/* mkntfs's last line is the one that says what went wrong. */
	const char *last = last_line(io.err);
	if (!*last)
		last = last_line(io.out);
	if (st < 128)
		msg_error("%s: mkntfs failed (exit %d)%s%s", where, st, *last ? ": " : "", last);
	else
		msg_error("%s: mkntfs killed by signal %d", where, st - 128);
	spawn_io_free(&io);
	return -1;
}

int ntfsvol_create(const char *path, uint64_t size, const char *where)
{
	char buf[4096];
	const char *mkntfs = find_mkntfs(buf, sizeof(buf));

	if (!mkntfs) {
		msg_error("%s: mkntfs not found (in /usr/sbin, /sbin or on PATH; Debian package "
			  "ntfs-3g); it is needed to keep the file's metadata (or use --plain-replace)",
			  where);
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		msg_error("%s: cannot create scratch volume %s: %s", where, path, strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		msg_error("%s: cannot size scratch volume %s: %s", where, path, strerror(e));
		return -1;
	}
	if (close(fd) < 0) {
		int e = errno;
		unlink(path);
		msg_error("%s: scratch volume %s: %s", where, path, strerror(e));
		return -1;
	}
	if (run_mkntfs(mkntfs, path, where) < 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ editing */

/* The time of the edit (util/clock.h), as NTFS counts time. */
static sle64 ntfs_now(void)
{
	return cpu_to_sle64((int64_t)clock_filetime(wp_now()));
}

static int vfail(const char *where, const char *what, const char *path, int err)
{
	msg_error("%s: scratch NTFS volume: %s %s: %s", where, what, path,
		  strerror(err ? err : EIO));
	return -1;
}

/*
 * A scratch volume is read by wimlib later in the run and removed after
 * it: nothing of it needs to reach the disk, and libntfs-3g's fsync at
 * each unmount of a volume written to (one per hive put back, per twin
 * given its times) is a disk flush for nothing (about 5 ms each here,
 * more on a disk that spins).  The device is libntfs-3g's own but for
 * that; its mount does what ntfs_mount does with it.
 */
static struct ntfs_device_operations scratch_io;

/* Clean for libntfs-3g: its close fsyncs a device still dirty. */
static int no_sync(struct ntfs_device *dev)
{
	NDevClearDirty(dev);
	return 0;
}

static ntfs_volume *mount_scratch(const char *vol, bool rdonly)
{
	struct ntfs_device *dev = ntfs_device_alloc(vol, 0, &scratch_io, NULL);
	if (!dev)
		return NULL;
	ntfs_volume *v = ntfs_device_mount(dev, rdonly ? NTFS_MNT_RDONLY : NTFS_MNT_NONE);
	if (!v) {
		int e = errno;
		ntfs_device_free(dev);
		errno = e;
		return NULL;
	}
	ntfs_create_lru_caches(v);
	return v;
}

/* Mount `vol`, run fn on it, unmount.  Unmounting a volume written to
 * writes its last metadata: its failure fails the call. */
typedef int (*vol_fn)(ntfs_volume *v, const void *arg, const char *where);
static int with_volume(const char *vol, bool rdonly, vol_fn fn, const void *arg, const char *where)
{
	ntfs_volume *v;
	int ret;

	ntfsvol_init();
	errno = 0;
	if (!(v = mount_scratch(vol, rdonly)))
		return vfail(where, "cannot open", vol, errno);
	ret = fn(v, arg, where);
	errno = 0;
	if (ntfs_umount(v, FALSE) < 0 && ret == 0 && !rdonly)
		ret = vfail(where, "cannot close", vol, errno);
	return ret;
}

/* (Re)set the 8.3 name of `file` (a file with one link).  libntfs-3g
 * closes both inodes, whatever the outcome. */
static int set_short_name(ntfs_volume *v, const char *file, const char *name, const char *where)
{
	char *parent = strdup(file);
	if (!parent) {
		msg_error("out of memory");
		return -1;
	}
	char *slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	ntfs_inode *ni = ntfs_pathname_to_inode(v, NULL, file);
	int err = errno;
	ntfs_inode *dni = ni ? ntfs_pathname_to_inode(v, NULL, parent) : NULL;
	if (ni && !dni)
		err = errno;
	free(parent);
	if (!ni || !dni) {
		if (ni)
			ntfs_inode_close(ni);
		return vfail(where, "cannot open", file, err);
	}
	errno = 0;
	if (ntfs_set_ntfs_dos_name(ni, dni, name, strlen(name), 0) < 0)
		return vfail(where, "cannot set the short name of", file, errno);
	return 0;
}

static int copy_data(ntfs_attr *na, const char *data, const char *file, const char *where)
{
	const size_t bufsize = 1u << 20;
	char *buf = malloc(bufsize);
	int fd = -1, ret = -1;
	s64 off = 0;

	if (!buf) {
		msg_error("out of memory");
		return -1;
	}
	if ((fd = open(data, O_RDONLY | O_CLOEXEC)) < 0) {
		msg_error("%s: %s: %s", where, data, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			msg_error("%s: %s: %s", where, data, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			errno = 0;
			s64 w = ntfs_attr_pwrite(na, off, n - done, buf + done);
			if (w <= 0) {
				vfail(where, "cannot write", file, errno);
				goto out;
			}
			done += w;
			off += w;
		}
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

static int replace_on(ntfs_volume *v, const void *arg, const char *where)
{
	const struct ntfsvol_edit *e = arg;
	ntfs_inode *ni = NULL;
	ntfs_attr *na = NULL;
	int ret = -1;

	if (e->short_name && set_short_name(v, e->file, e->short_name, where) < 0)
		goto out;
	errno = 0;
	if (!(ni = ntfs_pathname_to_inode(v, NULL, e->file))) {
		vfail(where, "cannot open", e->file, errno);
		goto out;
	}
	/* The times the WIM keeps, as wimlib's extraction left them. */
	sle64 created = ni->creation_time, accessed = ni->last_access_time;
	errno = 0;
	if (!(na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0))) {
		vfail(where, "cannot open the data of", e->file, errno);
		goto out;
	}
	errno = 0;
	if (ntfs_attr_truncate(na, 0) < 0) {
		vfail(where, "cannot truncate", e->file, errno);
		goto out;
	}
	if (copy_data(na, e->data, e->file, where) < 0)
		goto out;
	ntfs_attr_close(na);
	na = NULL;
	ni->creation_time = created;
	ni->last_access_time = accessed;
	ni->last_data_change_time = ntfs_now();
	ni->last_mft_change_time = ni->last_data_change_time;
	/* wimlib captures the attributes from $STANDARD_INFORMATION; the
	 * DIRECTORY bit (0x10) is not ours to set. */
	ni->flags = (ni->flags & cpu_to_le32(0xFFFF0000u)) |
		    cpu_to_le32(e->attributes & 0xFFFFu & ~UINT32_C(0x10));
	NInoSetDirty(ni);
	NInoFileNameSetDirty(ni);
	ret = 0;
out:
	if (na)
		ntfs_attr_close(na);
	if (ni) {
		errno = 0;
		if (ntfs_inode_close(ni) < 0 && ret == 0)
			ret = vfail(where, "cannot update", e->file, errno);
	}
	return ret;
}

int ntfsvol_replace_data(const char *vol, const struct ntfsvol_edit *e, const char *where)
{
	return with_volume(vol, false, replace_on, e, where);
}

/* ------------------------------------------------------------ a new file */

/* Set the security descriptor (if any), attributes and times of `path`,
 * opened alone: closing an inode whose name changed updates its entry in
 * the parent directory, which libntfs-3g cannot do while that is open. */
static int set_meta(ntfs_volume *v, const char *path, const void *sd, size_t sd_len,
		    uint32_t attributes, const char *where)
{
	struct SECURITY_CONTEXT scx;
	le32 a = cpu_to_le32(attributes);
	ntfs_inode *ni;
	int ret = -1;

	errno = 0;
	if (!(ni = ntfs_pathname_to_inode(v, NULL, path)))
		return vfail(where, "cannot open", path, errno);
	memset(&scx, 0, sizeof(scx));
	scx.vol = v;
	errno = 0;
	if (sd && sd_len && ntfs_set_ntfs_acl(&scx, ni, sd, sd_len, 0) < 0) {
		vfail(where, "cannot set the security descriptor of", path, errno);
		goto out;
	}
	errno = 0;
	if (ntfs_set_ntfs_attrib(ni, (const char *)&a, sizeof(a), 0) < 0) {
		vfail(where, "cannot set the attributes of", path, errno);
		goto out;
	}
	sle64 now = ntfs_now();
	ni->creation_time = ni->last_data_change_time = now;
	ni->last_mft_change_time = ni->last_access_time = now;
	NInoSetDirty(ni);
	NInoFileNameSetDirty(ni);
	ret = 0;
out:
	errno = 0;
	if (ntfs_inode_close(ni) < 0 && ret == 0)
		ret = vfail(where, "cannot update", path, errno);
	return ret;
}

/* Create `path` ("/a/b"), its parent existing; with `data` (a local
 * file) as its unnamed stream for a file. */
static int create_path(ntfs_volume *v, const char *path, mode_t type, const char *data,
		       const char *where)
{
	char *parent = strdup(path);
	ntfschar *u = NULL;
	ntfs_inode *dir = NULL, *ni = NULL;
	ntfs_attr *na = NULL;
	int ret = -1;

	if (!parent) {
		msg_error("out of memory");
		return -1;
	}
	char *slash = strrchr(parent, '/');
	const char *name = path + (slash - parent) + 1;
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	int ul = ntfs_mbstoucs(name, &u);
	errno = 0;
	if (!(dir = ntfs_pathname_to_inode(v, NULL, parent))) {
		vfail(where, "cannot open", parent, errno);
		goto out;
	}
	errno = 0;
	if (ul <= 0 || ul > 255 || !(ni = ntfs_create(dir, 0, u, (u8)ul, type))) {
		vfail(where, "cannot create", path, errno);
		goto out;
	}
	ntfs_inode_close(dir);
	dir = NULL;
	if (data) {
		errno = 0;
		if (!(na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0))) {
			vfail(where, "cannot open the data of", path, errno);
			goto out;
		}
		if (copy_data(na, data, path, where) < 0)
			goto out;
	}
	ret = 0;
out:
	if (na)
		ntfs_attr_close(na);
	if (ni) {
		errno = 0;
		if (ntfs_inode_close(ni) < 0 && ret == 0)
			ret = vfail(where, "cannot write", path, errno);
	}
	if (dir)
		ntfs_inode_close(dir);
	free(u);
	free(parent);
	return ret;
}

static int add_on(ntfs_volume *v, const void *arg, const char *where)
{
	const struct ntfsvol_new *n = arg;
	char *path = NULL;
	int ret = -1;

	if (asprintf(&path, "/%s", n->file) < 0) {
		msg_error("out of memory");
		return -1;
	}
	/* The directories on the way, then the file. */
	for (char *slash = path; (slash = strchr(slash + 1, '/'));) {
		*slash = '\0';
		int r = create_path(v, path, S_IFDIR, NULL, where);
		if (r == 0)
			r = set_meta(v, path, n->dir_sd, n->dir_sd_len, 0x10, where);
		*slash = '/';
		if (r < 0)
			goto out;
	}
	if (create_path(v, path, S_IFREG, n->data, where) < 0 ||
	    set_meta(v, path, n->file_sd, n->file_sd_len,
		     n->attributes & 0xFFFFu & ~UINT32_C(0x10), where) < 0)
		goto out;
	ret = 0;
out:
	free(path);
	return ret;
}

int ntfsvol_add_file(const char *vol, const struct ntfsvol_new *n, const char *where)
{
	return with_volume(vol, false, add_on, n, where);
}

static void set_encoding(void)
{
	/* wimlib and wimpatch speak UTF-8; libntfs-3g would otherwise go by
	 * the locale. */
	ntfs_set_char_encoding("utf8");
}

/* Process-wide set-up, once: libntfs-3g's name encoding, the scratch
 * device's operations. */
static void init_once(void)
{
	set_encoding();
	scratch_io = ntfs_device_default_io_ops;
	scratch_io.sync = no_sync;
}

void ntfsvol_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
}

struct read_args {
	const char *file, *dst;
};

static int read_on(ntfs_volume *v, const void *arg, const char *where)
{
	const size_t bufsize = 1u << 20;
	const char *file = ((const struct read_args *)arg)->file;
	const char *dst = ((const struct read_args *)arg)->dst;
	ntfs_inode *ni = NULL;
	ntfs_attr *na = NULL;
	char *buf = NULL;
	int fd = -1, ret = -1;

	errno = 0;
	if (!(ni = ntfs_pathname_to_inode(v, NULL, file))) {
		vfail(where, "cannot open", file, errno);
		goto out;
	}
	errno = 0;
	if (!(na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0))) {
		vfail(where, "cannot open the data of", file, errno);
		goto out;
	}
	if (!(buf = malloc(bufsize))) {
		msg_error("out of memory");
		goto out;
	}
	if ((fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		msg_error("%s: %s: %s", where, dst, strerror(errno));
		goto out;
	}
	for (s64 off = 0; off < na->data_size;) {
		errno = 0;
		s64 n = ntfs_attr_pread(na, off, (s64)bufsize, buf);
		if (n <= 0) {
			vfail(where, "cannot read", file, errno);
			goto out;
		}
		if (pwrite_full(fd, buf, (size_t)n, (off_t)off) < 0) {
			msg_error("%s: %s: %s", where, dst, strerror(errno));
			goto out;
		}
		off += n;
	}
	if (close(fd) < 0) {
		fd = -1;
		msg_error("%s: %s: %s", where, dst, strerror(errno));
		goto out;
	}
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (na)
		ntfs_attr_close(na);
	if (ni)
		ntfs_inode_close(ni);
	return ret;
}

int ntfsvol_read_data(const char *vol, const char *file, const char *dst, const char *where)
{
	struct read_args a = { file, dst };
	return with_volume(vol, true, read_on, &a, where);
}

struct times_args {
	const char *file;
	uint64_t created, accessed;
};

static int times_on(ntfs_volume *v, const void *arg, const char *where)
{
	const struct times_args *a = arg;
	ntfs_inode *ni;

	errno = 0;
	if (!(ni = ntfs_pathname_to_inode(v, NULL, a->file)))
		return vfail(where, "cannot open", a->file, errno);
	ni->creation_time = cpu_to_sle64((int64_t)a->created);
	ni->last_access_time = cpu_to_sle64((int64_t)a->accessed);
	NInoSetDirty(ni);
	NInoFileNameSetDirty(ni);
	errno = 0;
	if (ntfs_inode_close(ni) < 0)
		return vfail(where, "cannot update", a->file, errno);
	return 0;
}

int ntfsvol_set_times(const char *vol, const char *file, uint64_t created, uint64_t accessed,
		      const char *where)
{
	struct times_args a = { file, created, accessed };
	return with_volume(vol, false, times_on, &a, where);
}

/* Copy what `in` holds at [off, end) to the same offsets of `out`. */
static int copy_extent(int in, int out, off_t off, off_t end)
{
	while (off < end) {
		off_t o_in = off, o_out = off;
		ssize_t n = copy_file_range(in, &o_in, out, &o_out, (size_t)(end - off), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		off += n;
	}
	return 0;
}

/* The data extents of `in` into `out` (as long, holes left holes): a
 * volume is mostly hole. */
static int copy_sparse(int in, int out)
{
	struct stat st;

	if (fstat(in, &st) < 0 || ftruncate(out, st.st_size) < 0)
		return -1;
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	for (off_t off = 0; off < st.st_size;) {
		off_t data = lseek(in, off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		off_t hole = data < 0 ? -1 : lseek(in, data, SEEK_HOLE);
		if (hole < 0 || copy_extent(in, out, data, hole) < 0)
			return -1;
		off = hole;
	}
	return 0;
}

int ntfsvol_clone(const char *src, const char *dst, const char *where)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, ret = -1;

	if (in < 0) {
		msg_error("%s: scratch volume %s: %s", where, src, strerror(errno));
		return -1;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		msg_error("%s: cannot create scratch volume %s: %s", where, dst, strerror(errno));
		close(in);
		return -1;
	}
	if (copy_sparse(in, out) < 0)
		msg_error("%s: cannot copy scratch volume %s to %s: %s", where, src, dst,
			  strerror(errno));
	else
		ret = 0;
	close(in);
	if (close(out) < 0 && ret == 0) {
		msg_error("%s: scratch volume %s: %s", where, dst, strerror(errno));
		ret = -1;
	}
	if (ret < 0)
		unlink(dst);
	return ret;
}
