/*
 * wim_repro.c - what would make two runs give different WIMs: the image
 * times wimpatch writes into a WIM's XML follow SOURCE_DATE_EPOCH
 * (util/clock.h), and a new split set gets a GUID made from its source's.
 *
 * wimlib sets LASTMODIFICATIONTIME of every image it rewrites to the
 * current time in the middle of the write (xml_update_image_info, called
 * before any data is written), so a value set before the write is lost.
 * The XML is written last, after the metadata resources: on the progress
 * message that starts those (WIMLIB_PROGRESS_MSG_WRITE_METADATA_BEGIN),
 * each image whose time changed since the WIM was opened gets the fixed
 * time instead.  Images left alone keep theirs, as do CREATIONTIMEs
 * (wimpatch adds no images).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wimlib.h>

#include "util/clock.h"
#include "util/msg.h"
#include "adapters/sha256.h"
#include "adapters/wim_int.h"

static uint64_t lastmod(WIMStruct *ws, int image)
{
	const char *hi = wimlib_get_image_property(ws, image, "LASTMODIFICATIONTIME/HIGHPART");
	const char *lo = wimlib_get_image_property(ws, image, "LASTMODIFICATIONTIME/LOWPART");

	/* Hexadecimal, with or without 0x, as wimlib reads them. */
	return (hi ? strtoull(hi, NULL, 16) << 32 : 0) | (lo ? strtoull(lo, NULL, 16) : 0);
}

int wim_times_note(struct wim *w)
{
	int n = (int)w->info.image_count;

	free(w->lastmod);
	if (!(w->lastmod = calloc((size_t)n + 1, sizeof(*w->lastmod))))
		return -1;
	for (int i = 1; i <= n; i++)
		w->lastmod[i] = lastmod(w->ws, i);
	return 0;
}

static int set_part(struct wim *w, int image, const char *part, uint32_t v)
{
	char buf[16];

	/* As wimlib writes them: 0x and eight upper-case digits. */
	snprintf(buf, sizeof(buf), "0x%08" PRIX32, v);
	int r = wimlib_set_image_property(w->ws, image, part, buf);
	if (r)
		msg_warn("%s: image %d: cannot set its modification time: %s", w->path, image,
			 wimlib_get_error_string(r));
	return r;
}

void wim_times_fix(struct wim *w)
{
	if (!clock_fixed() || !w->lastmod)
		return;
	uint64_t t = clock_filetime(wp_now());
	for (int i = 1; i <= (int)w->info.image_count; i++) {
		if (lastmod(w->ws, i) == w->lastmod[i])
			continue;	/* not rewritten */
		if (set_part(w, i, "LASTMODIFICATIONTIME/HIGHPART", (uint32_t)(t >> 32)) == 0)
			set_part(w, i, "LASTMODIFICATIONTIME/LOWPART", (uint32_t)t);
		w->lastmod[i] = t;
	}
}

/*
 * wimlib gives every split set a random GUID.  The new set gets one made
 * from the GUID of the WIM it was split from (kept from the input) and
 * the number of parts instead: the same input gives the same set, and a
 * set made from another version, or left over with another part count,
 * does not pass for one of its parts.
 */
static void split_guid(const uint8_t src[16], unsigned total, uint8_t out[16])
{
	struct sha256 s;
	char hex[65];
	unsigned char n[4] = { (unsigned char)total, (unsigned char)(total >> 8),
			       (unsigned char)(total >> 16), (unsigned char)(total >> 24) };

	sha256_init(&s);
	sha256_update(&s, "wimpatch split set", 18);
	sha256_update(&s, src, 16);
	sha256_update(&s, n, sizeof(n));
	sha256_final(&s, hex);
	for (int i = 0; i < 16; i++)
		out[i] = (uint8_t)strtoul((char[]){ hex[2 * i], hex[2 * i + 1], 0 }, NULL, 16);
}

/* The GUID is in the header (offset 24), which no integrity table covers. */
#define WIM_GUID_OFFSET 24

enum wp_err set_split_guid(const uint8_t src[16], const char *part1, unsigned total)
{
	uint8_t guid[16];

	split_guid(src, total, guid);
	for (unsigned k = 1; k <= total; k++) {
		char *p = k == 1 ? strdup(part1) : wim_part_name(part1, k);
		int fd = p ? open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW) : -1;
		bool ok = fd >= 0 && pwrite(fd, guid, sizeof(guid), WIM_GUID_OFFSET) ==
					     (ssize_t)sizeof(guid) && fsync(fd) == 0;
		int e = errno;
		if (fd >= 0 && close(fd) < 0)
			ok = false;
		if (!ok) {
			msg_error("%s: cannot set the split set's GUID: %s", p ? p : part1,
				  p ? strerror(e) : "out of memory");
			free(p);
			return WP_ERR_WRITE;
		}
		free(p);
	}
	return WP_OK;
}
