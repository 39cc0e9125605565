/*
 * ntfsvol.h - scratch NTFS volumes in plain files: the only module that
 * uses libntfs-3g (and runs mkntfs).
 *
 * wim.c extracts the links of one file of a WIM image into such a volume,
 * has the file's data replaced here, and captures the volume back, so that
 * everything NTFS keeps about the file except its data survives the trip.
 * A volume is never mounted through the kernel: libntfs-3g reads and
 * writes the file directly.
 *
 * Errors are reported here (msg_error), naming `where`; functions then
 * return -1.
 */
#ifndef WIMPATCH_NTFSVOL_H
#define WIMPATCH_NTFSVOL_H

#include <stdint.h>

/* Size for a volume that is to hold a file whose data (old or new, the
 * larger) takes `data_bytes` and whose named streams take `stream_bytes`:
 * both, one eighth more, and 16 MiB for NTFS's own metadata, rounded up
 * to a MiB.  The file is sparse: only what is written takes disk space
 * (about 2.5 MiB of NTFS metadata plus the data). */
uint64_t ntfsvol_size_for(uint64_t data_bytes, uint64_t stream_bytes);

/* Create `path` (which must not exist) as a sparse file of `size` bytes
 * and format it as NTFS with mkntfs, looked for where Debian installs it
 * (/usr/sbin, /sbin) even when that is not on PATH, then on PATH.
 * On failure the file is removed. */
int ntfsvol_create(const char *path, uint64_t size, const char *where);

/* One file's new data, for ntfsvol_replace_data. */
struct ntfsvol_edit {
	const char *file;	/* its path in the volume, '/'-separated, UTF-8 */
	const char *data;	/* a local file holding the new data */
	uint32_t attributes;	/* FILE_ATTRIBUTE_* bits it must carry (low 16
				   bits; NTFS-3G drops COMPRESSED, and a rewrite
				   may change SPARSE_FILE, so they are set again) */
	const char *short_name;	/* if not NULL, (re)set this 8.3 name: a file
				   that was renamed on its way in lost it */
};

/*
 * On the (not otherwise open) volume `vol`, replace the unnamed data
 * stream of e->file by the bytes of e->data.  Everything else about the
 * file is kept: security descriptor, named streams, object ID, short
 * name, hard links, creation and last-access times.  Its last-write
 * (data change) time becomes the run's (util/clock.h: SOURCE_DATE_EPOCH's
 * if set).
 */
int ntfsvol_replace_data(const char *vol, const struct ntfsvol_edit *e, const char *where);

/* A new file, for ntfsvol_add_file. */
struct ntfsvol_new {
	const char *file;	/* its path in the volume, '/'-separated, UTF-8;
				   the directories on the way are made */
	const char *data;	/* a local file holding its data */
	const void *file_sd;	/* its security descriptor (self-relative), or
				   NULL: NTFS-3G's default */
	size_t file_sd_len;
	const void *dir_sd;	/* that of the directories made, or NULL */
	size_t dir_sd_len;
	uint32_t attributes;	/* FILE_ATTRIBUTE_* of the file (low 16 bits);
				   the directories get DIRECTORY (0x10) only */
};

/* On the (not otherwise open) volume `vol`, create n->file, its
 * directories first; every one of them gets the run's time
 * (util/clock.h) as its four times. */
int ntfsvol_add_file(const char *vol, const struct ntfsvol_new *n, const char *where);

/* Set up libntfs-3g's process-wide state (UTF-8 names) before volumes are
 * used from several threads; the other functions do it too. */
void ntfsvol_init(void);

/* Copy the unnamed data stream of `file` on the volume `vol` to the new
 * local file `dst` (created 0600; it must not exist). */
int ntfsvol_read_data(const char *vol, const char *file, const char *dst, const char *where);

/* Give `file` on the (not otherwise open) volume `vol` these creation and
 * last-access times (NTFS's: 100 ns since 1601), and nothing else. */
int ntfsvol_set_times(const char *vol, const char *file, uint64_t created, uint64_t accessed,
		      const char *where);

/* Copy the volume `src` to the new file `dst` (holes stay holes; a clone
 * where the file system can).  On failure `dst` is removed. */
int ntfsvol_clone(const char *src, const char *dst, const char *where);

#endif
