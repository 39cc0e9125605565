/*
 * patchopts.h - what the commands that patch targets (apply, diff, undo)
 * share: the rows of the options they have in common, each written once,
 * their handling, and the WIM settings that follow from them (undo writes
 * WIMs as apply does: the same compression levels).
 */
#ifndef WIMPATCH_PATCHOPTS_H
#define WIMPATCH_PATCHOPTS_H

#include <stdbool.h>

#include "adapters/wim.h"
#include "cli/options.h"
#include "targets/targets.h"

/* New WIM data, LZX and LZMS (ESD) alike: 10, where wimlib's default is
 * 50.  Measured on a real 12 MiB SYSTEM hive and 20,000-file images, 10
 * against 20: LZX about 8 % off a whole run for 0.1-0.8 % more added
 * bytes (README, Benchmark), LZMS about a third faster for 2-3 %. */
#define DEFAULT_COMPRESSION_LEVEL 10
#define PATCHOPTS_STR(x) #x
#define PATCHOPTS_XSTR(x) PATCHOPTS_STR(x)

/* The ids of the shared options; a command's own start at OPT_PATCH_END. */
enum {
	OPT_HIVE = 256, OPT_ALLOW_DIRTY, OPT_WORK_DIR, OPT_JSON, OPT_WAIT, OPT_LEVEL,
	OPT_THREADS, OPT_PATCH_END
};

#define O_ALLOW_DIRTY { OPT_ALLOW_DIRTY, 0, "allow-dirty", NULL, \
	"edit hives whose transaction logs hold pending changes", COMP_NONE, NULL }
#define O_WORK_DIR { OPT_WORK_DIR, 0, "work-dir", "DIR", \
	"(.iso) extract into a scratch directory in DIR;\n" \
	"default: next to the output, else the image", COMP_DIR, NULL }
#define O_JSON { OPT_JSON, 0, "json", NULL, \
	"print the report as JSON (see wimpatch(1), JSON REPORT)", COMP_NONE, NULL }
#define O_WAIT { OPT_WAIT, 0, "wait", NULL, \
	"wait for another wimpatch run using a target to\n" \
	"finish (default: leave that target, exit 5)", COMP_NONE, NULL }
#define O_LEVEL { OPT_LEVEL, 0, "compression-level", "N", \
	"level for new WIM data (default " PATCHOPTS_XSTR(DEFAULT_COMPRESSION_LEVEL) \
	": fast;\n" \
	"0 = wimlib's default, up to 100 = smallest)", COMP_NONE, NULL }
#define O_THREADS { OPT_THREADS, 0, "threads", "N", \
	"threads that compress, read back and extract ahead\n" \
	"(default: the usable CPUs)", COMP_NONE, NULL }

/* What the shared options say, beside the patch_opts they set. */
struct patch_args {
	struct patch_opts po;
	bool json;
	unsigned level, threads;
};

#define PATCH_ARGS_INIT { .level = DEFAULT_COMPRESSION_LEVEL }

/* A shared option (including --hive, whose help each command words for
 * itself): 1 when it was one and is taken, 0 when it is not one of
 * them, -1 when its argument is bad (said). */
int patchopts_option(struct patch_args *a, int id, const char *arg);

/* "--threads": a number from 0 to max, or -1 (said). */
int patchopts_uint(const char *name, const char *s, unsigned max, unsigned *out);

/* wimlib's settings for a run with these options. */
struct wim_settings patchopts_wim_settings(const struct patch_args *a);

#endif
