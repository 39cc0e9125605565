/*
 * imagesel.h - which images of a WIM the --image selections choose.
 *
 * A selection is an index or a name (matched without regard to case when
 * no image is spelled exactly so), or either after "install:" or "boot:"
 * (media_image_sel): then it is for that WIM of a medium only, the one
 * whose place (o->role_hint) or, for a WIM on its own, file name gives
 * that role.  A plain selection is for every WIM.
 */
#ifndef WIMPATCH_IMAGESEL_H
#define WIMPATCH_IMAGESEL_H

#include <stdbool.h>

#include "core/error.h"
#include "targets/targets.h"

struct wim;
struct media_tree;

/*
 * Before a medium's WIMs are opened: is there a WIM for every selection
 * that names one ("install:3" on a medium that has only boot.wim)?
 * WP_ERR_INPUT, said naming the medium and the WIMs it has, when not:
 * the selection would otherwise match nothing and the run find no rule
 * to apply.
 */
enum wp_err imagesel_check_medium(const struct media_tree *t, const struct patch_opts *o);

/*
 * Set sel[1..image count] for the images o->images chooses in `w` (all
 * when there is none; none when every selection is for another WIM of
 * the medium).  A selection that matches no image is WP_ERR_INPUT, said
 * with the list of the images there are (index and name); one for the
 * other WIM of a medium on a WIM on its own, or with nothing after the
 * colon, WP_ERR_USAGE.
 */
enum wp_err imagesel_select(struct wim *w, const struct patch_opts *o, bool *sel);

#endif
