/*
 * profile_path.h - where shipped profiles and the schema are found.
 *
 * Search order for "-p NAME": each --profile-dir, then each directory in
 * $WIMPATCH_PROFILE_PATH (colon-separated), ~/.config/wimpatch/profiles,
 * then the data directory ($WIMPATCH_DATADIR, else the installed
 * $(datadir)/wimpatch), which also holds the schema.
 */
#ifndef WIMPATCH_PATHS_H
#define WIMPATCH_PATHS_H

#include "profiles/profile.h"

/* Fill `pp` from the command line's --profile-dir list and the
 * environment.  Returns 0, or -1 on allocation failure. */
int paths_init(struct profile_path *pp, const char *const *extra_dirs, size_t n_extra);
void paths_free(struct profile_path *pp);
const char *paths_datadir(void);

#endif
