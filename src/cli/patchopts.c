/* patchopts.c - the options apply, diff and undo share; see patchopts.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "cli/patchopts.h"
#include "util/cpus.h"
#include "util/msg.h"

int patchopts_uint(const char *name, const char *s, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || s[0] == '-') {
		msg_error("%s: '%s' is not a number from 0 to %u", name, s, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int patchopts_option(struct patch_args *a, int id, const char *arg)
{
	switch (id) {
	case OPT_HIVE:
		a->po.hive_name = arg;
		return 1;
	case OPT_ALLOW_DIRTY:
		a->po.allow_dirty = true;
		return 1;
	case OPT_WORK_DIR:
		a->po.work_dir = arg;
		return 1;
	case OPT_JSON:
		a->json = true;
		return 1;
	case OPT_WAIT:
		a->po.wait = true;
		return 1;
	case OPT_LEVEL:
		return patchopts_uint("--compression-level", arg, 1000, &a->level) < 0 ? -1 : 1;
	case OPT_THREADS:
		return patchopts_uint("--threads", arg, 1024, &a->threads) < 0 ? -1 : 1;
	}
	return 0;
}

struct wim_settings patchopts_wim_settings(const struct patch_args *a)
{
	return (struct wim_settings){
		.threads = a->threads ? a->threads : cpus_usable(),
		.compression_level = (int)a->level,
	};
}
