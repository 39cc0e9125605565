/*
 * ntfsmk.c - test helper: build a Windows-like tree in an NTFS volume
 * file, through libntfs-3g (no FUSE, no kernel mount), so that the tests
 * can capture WIM images whose files carry real NTFS metadata.
 *
 *   ntfsmk VOL mkdir  PATH
 *   ntfsmk VOL mkfile PATH SRCFILE          new file, data from SRCFILE
 *   ntfsmk VOL link   EXISTING NEWPATH      another hard link
 *   ntfsmk VOL short  PATH NAME             8.3 (DOS) name
 *   ntfsmk VOL attrib PATH HEX              FILE_ATTRIBUTE_* bits
 *   ntfsmk VOL sd     PATH 1|2              a protected DACL that no
 *                                           default gives (1: owner
 *                                           TrustedInstaller, 2: Administrators)
 *   ntfsmk VOL stream PATH NAME SRCFILE     named data stream
 *   ntfsmk VOL times  PATH CREATED WRITTEN ACCESSED   (NTFS 100 ns ticks)
 *   ntfsmk VOL bulk   DIR NDIRS NFILES      NDIRS directories of NFILES
 *                                           small files each
 *
 * Test-only code: never linked into wimpatch.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "ntfsmk: %s %s: %s\n", what, path ? path : "", strerror(errno));
	exit(1);
}

static char *read_all(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		die("open", file);
	if (fseek(f, 0, SEEK_END) < 0)
		die("seek", file);
	long n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) < 0)
		die("seek", file);
	char *buf = malloc(n ? (size_t)n : 1);
	if (!buf)
		die("malloc", file);
	if (n && fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("read", file);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static ntfs_inode *open_path(ntfs_volume *vol, const char *path)
{
	ntfs_inode *ni = ntfs_pathname_to_inode(vol, NULL, path);
	if (!ni)
		die("open", path);
	return ni;
}

/* The parent directory of "/a/b/c", opened, and "c" in UTF-16. */
static ntfs_inode *open_parent(ntfs_volume *vol, const char *path, ntfschar **uname, int *ulen)
{
	char *dup = strdup(path);
	char *slash = dup ? strrchr(dup, '/') : NULL;
	if (!slash) {
		errno = EINVAL;
		die("bad path", path);
	}
	*slash = '\0';
	ntfs_inode *dir = open_path(vol, *dup ? dup : "/");
	*uname = NULL;
	*ulen = ntfs_mbstoucs(slash + 1, uname);
	if (*ulen < 0)
		die("name", path);
	free(dup);
	return dir;
}

static ntfs_inode *create(ntfs_volume *vol, const char *path, mode_t type)
{
	ntfschar *u;
	int ul;
	ntfs_inode *dir = open_parent(vol, path, &u, &ul);
	ntfs_inode *ni = ntfs_create(dir, 0, u, (u8)ul, type);
	if (!ni)
		die("create", path);
	free(u);
	ntfs_inode_close(dir);
	return ni;
}

static void write_data(ntfs_inode *ni, const char *buf, size_t len, const char *path)
{
	ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (!na)
		die("open data of", path);
	if (ntfs_attr_truncate(na, (s64)len))
		die("truncate", path);
	size_t off = 0;
	while (off < len) {
		s64 w = ntfs_attr_pwrite(na, (s64)off, (s64)(len - off), buf + off);
		if (w <= 0)
			die("write", path);
		off += (size_t)w;
	}
	ntfs_attr_close(na);
}

/* ---- a self-relative security descriptor ---- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static size_t put_sid(uint8_t *p, int n, const uint32_t *sub)
{
	p[0] = 1;
	p[1] = (uint8_t)n;
	memset(p + 2, 0, 5);
	p[7] = 5;	/* NT authority */
	for (int i = 0; i < n; i++)
		put32(p + 8 + 4 * i, sub[i]);
	return 8 + 4 * (size_t)n;
}

static size_t build_sd(uint8_t *sd, int preset)
{
	static const uint32_t sys[] = { 18 };
	static const uint32_t admins[] = { 32, 544 };
	static const uint32_t users[] = { 32, 545 };
	static const uint32_t ti[] = { 80, 956008885u, 3418522649u, 1831038044u, 1853292631u,
				       2271478464u };
	const struct {
		uint32_t mask;
		uint8_t flags;
		const uint32_t *sub;
		int n;
	} aces[3] = {
		{ 0x1F01FF, 0, sys, 1 },
		{ preset == 1 ? 0x1F01FF : 0x1301BF, 0, admins, 2 },
		{ 0x1200A9, preset == 1 ? 0 : 0x10, users, 2 },
	};
	size_t off = 20, aoff = 8;

	memset(sd, 0, 512);
	sd[0] = 1;
	put16(sd + 2, 0x8000 | 0x1000 | 0x0004);	/* self-relative, DACL protected + present */
	uint8_t *acl = sd + off;
	acl[0] = 2;
	for (int i = 0; i < 3; i++) {
		uint8_t *ace = acl + aoff;
		ace[0] = 0;	/* ACCESS_ALLOWED */
		ace[1] = aces[i].flags;
		put32(ace + 4, aces[i].mask);
		size_t sl = put_sid(ace + 8, aces[i].n, aces[i].sub);
		put16(ace + 2, (unsigned)(8 + sl));
		aoff += 8 + sl;
	}
	put16(acl + 2, (unsigned)aoff);
	put16(acl + 4, 3);
	put32(sd + 16, (uint32_t)off);
	off += aoff;
	put32(sd + 4, (uint32_t)off);
	off += preset == 1 ? put_sid(sd + off, 6, ti) : put_sid(sd + off, 2, admins);
	put32(sd + 8, (uint32_t)off);
	off += put_sid(sd + off, 1, sys);
	return off;
}

static void bulk(ntfs_volume *vol, const char *dir, int ndirs, int nfiles)
{
	char path[1024], data[700];
	for (int d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/d%04d", dir, d);
		ntfs_inode *dn = create(vol, path, S_IFDIR);
		for (int f = 0; f < nfiles; f++) {
			ntfschar *u = NULL;
			char name[64];
			snprintf(name, sizeof(name), "file_%04d_%04d.dll", d, f);
			int ul = ntfs_mbstoucs(name, &u);
			ntfs_inode *ni = ntfs_create(dn, 0, u, (u8)ul, S_IFREG);
			if (!ni)
				die("create", name);
			int len = 100 + (d * 131 + f * 17) % 600;
			for (int i = 0; i < len; i++)
				data[i] = (char)(d * 7 + f * 13 + i * (f + 1));
			write_data(ni, data, (size_t)len, name);
			ntfs_inode_close(ni);
			free(u);
		}
		ntfs_inode_close(dn);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: ntfsmk VOL COMMAND PATH [ARGS] (see the source)\n");
		return 2;
	}
	ntfs_set_char_encoding("utf8");
	const char *cmd = argv[2], *path = argv[3];
	ntfs_volume *vol = ntfs_mount(argv[1], NTFS_MNT_NONE);
	if (!vol)
		die("mount", argv[1]);
	if (ntfs_open_secure(vol))
		die("open $Secure of", argv[1]);

	if (strcmp(cmd, "mkdir") == 0 && argc == 4) {
		ntfs_inode_close(create(vol, path, S_IFDIR));
	} else if (strcmp(cmd, "mkfile") == 0 && argc == 5) {
		size_t len;
		char *buf = read_all(argv[4], &len);
		ntfs_inode *ni = create(vol, path, S_IFREG);
		write_data(ni, buf, len, path);
		ntfs_inode_close(ni);
		free(buf);
	} else if (strcmp(cmd, "link") == 0 && argc == 5) {
		ntfs_inode *ni = open_path(vol, path);
		ntfschar *u;
		int ul;
		ntfs_inode *dir = open_parent(vol, argv[4], &u, &ul);
		if (ntfs_link(ni, dir, u, (u8)ul))
			die("link", argv[4]);
		free(u);
		ntfs_inode_close(dir);
		ntfs_inode_close(ni);
	} else if (strcmp(cmd, "short") == 0 && argc == 5) {
		ntfs_inode *ni = open_path(vol, path);
		ntfschar *u;
		int ul;
		ntfs_inode *dir = open_parent(vol, path, &u, &ul);
		free(u);
		/* closes both inodes */
		if (ntfs_set_ntfs_dos_name(ni, dir, argv[4], strlen(argv[4]), 0))
			die("set short name of", path);
	} else if (strcmp(cmd, "attrib") == 0 && argc == 5) {
		ntfs_inode *ni = open_path(vol, path);
		le32 a = cpu_to_le32((u32)strtoul(argv[4], NULL, 16));
		if (ntfs_set_ntfs_attrib(ni, (const char *)&a, sizeof(a), 0))
			die("set attributes of", path);
		ntfs_inode_close(ni);
	} else if (strcmp(cmd, "sd") == 0 && argc == 5) {
		uint8_t sd[512];
		size_t len = build_sd(sd, atoi(argv[4]));
		struct SECURITY_CONTEXT scx;
		memset(&scx, 0, sizeof(scx));
		scx.vol = vol;
		ntfs_inode *ni = open_path(vol, path);
		if (ntfs_set_ntfs_acl(&scx, ni, (const char *)sd, len, 0))
			die("set security descriptor of", path);
		ntfs_inode_close(ni);
	} else if (strcmp(cmd, "stream") == 0 && argc == 6) {
		size_t len;
		char *buf = read_all(argv[5], &len);
		ntfs_inode *ni = open_path(vol, path);
		ntfschar *u = NULL;
		int ul = ntfs_mbstoucs(argv[4], &u);
		if (ul < 0 || ntfs_attr_add(ni, AT_DATA, u, (u8)ul, (u8 *)buf, (s64)len))
			die("add stream to", path);
		free(u);
		free(buf);
		ntfs_inode_close(ni);
	} else if (strcmp(cmd, "times") == 0 && argc == 7) {
		ntfs_inode *ni = open_path(vol, path);
		ni->creation_time = cpu_to_sle64(strtoll(argv[4], NULL, 10));
		ni->last_data_change_time = cpu_to_sle64(strtoll(argv[5], NULL, 10));
		ni->last_mft_change_time = ni->last_data_change_time;
		ni->last_access_time = cpu_to_sle64(strtoll(argv[6], NULL, 10));
		NInoSetDirty(ni);
		NInoFileNameSetDirty(ni);
		ntfs_inode_close(ni);
	} else if (strcmp(cmd, "bulk") == 0 && argc == 6) {
		bulk(vol, path, atoi(argv[4]), atoi(argv[5]));
	} else {
		fprintf(stderr, "ntfsmk: bad command or arguments: %s\n", cmd);
		return 2;
	}
	ntfs_close_secure(vol);
	if (ntfs_umount(vol, FALSE))
		die("unmount", argv[1]);
	return 0;
}
