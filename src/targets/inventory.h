/*
 * inventory.h - what an image's SYSTEM hive says about the settings the
 * shipped profiles touch, for "wimpatch show".
 */
#ifndef WIMPATCH_INVENTORY_H
#define WIMPATCH_INVENTORY_H

#include "core/show_report.h"

/* Read a SYSTEM hive file (read-only; dirty hives accepted).  Returns 0,
 * or -1 with the reason reported naming `where`. */
int inventory_read_system(const char *path, const char *where, struct system_state *st);

/* The verdict for an image of the given build (0 = unknown). */
enum exposure inventory_exposure(const struct system_state *st, long build);

#endif
