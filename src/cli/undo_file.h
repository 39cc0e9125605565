/*
 * undo_file.h - read an undo file (apply --undo-file) into its sections,
 * for wimpatch undo.
 *
 * Each hive a run wrote has one section: a header comment saying where
 * its values came from,
 *   ; wimpatch-undo: target=T; file=F; kind=wim; image=2; role=setup;
 *     hive=Windows/System32/config/SYSTEM; root=HKEY_LOCAL_MACHINE\SYSTEM
 * (one line; '%', ';' and control characters in a value as %XX), what the
 * run wrote there as "; wrote: " comment lines, and the .reg entries that
 * put the old values back (sink.c writes them; wimpatch(1), UNDO FILES).
 */
#ifndef WIMPATCH_UNDO_FILE_H
#define WIMPATCH_UNDO_FILE_H

#include <stdbool.h>
#include <stddef.h>

struct undo_section {
	int line;		/* of its header, in messages */
	int block;		/* where the piece of the run it is in starts:
				   the "; wimpatch apply, DATE" comment before it
				   (its own line if none) */
	char *target, *file, *kind, *role, *hive, *root;	/* role: NULL if none */
	int image;		/* 0: a bare hive or a BCD store */
	/* The section's lines, those of the other part blanked (so that
	 * both keep the file's line numbers, from `line`): */
	char *wrote;		/* what the run wrote, "; wrote: " taken off */
	char *restore;		/* what puts the old values back */
};

/* A file a run added or replaced inside an image: the comment
 *   ; wimpatch-undo-image-file: target=T; file=F; image=1; role=installed;
 *     path=Windows/Panther/unattend.xml; action=added; sha256=...
 * (old-sha256= when it was there before), and its old bytes, when kept,
 * on the "; wimpatch-undo-data: " lines after it. */
struct undo_image_file {
	int line;
	bool medium;		/* a file of the medium itself, added, replaced or
				   removed: the record "; wimpatch-undo-medium-file: "
				   with target, file (the medium), path, action,
				   sha256 (but removed), old-sha256 (but added) */
	char *target, *file, *role, *path, *action, *sha256, *old_sha256;
	char *old_path;		/* action=switched: the boot image the UEFI entry
				   loaded before (path: the one it loads now) */
	int image;
	char *b64;		/* the data lines joined, or NULL */
};

struct undo_file {
	char *path;
	struct undo_section *v;
	size_t n, alloc;
	size_t n_other;		/* after v[n]: sections undo_file_keep_target left */
	struct undo_image_file *files;
	size_t n_files, a_files;
	size_t n_files_other;	/* after files[n_files]: the same */
	size_t n_medium;	/* "; wimpatch-medium: " comments: medium files added,
				   replaced or removed, which undo does not put back */
	size_t n_editions;	/* "; wimpatch-undo-editions: " comments: images
				   dropped, which undo does not put back */
};

/* Can wimpatch undo put the record's file back (an added file deleted,
 * a replaced one inside an image whose old bytes are kept written back)? */
bool undo_image_file_restorable(const struct undo_image_file *f);

/* Read `path` (util/infile.h, through regfile_read).  Refuses a file
 * with entries outside a section (written by a wimpatch that kept no
 * sections, or edited by hand), a header without its fields, and two
 * sections for one target, file, image and hive (several runs: the
 * message says where to split the file, so that the runs can be undone
 * one at a time, newest first).  0, or -1 (reported, naming the file and line). */
int undo_file_read(const char *path, struct undo_file *u);
void undo_file_free(struct undo_file *u);

/* An undo file of a run over several targets: keep the sections of
 * `target` (as apply was given it).  One target's file is kept whole (its
 * TARGET may be apply's -o output).  0, or -1 when none is `target`
 * (reported). */
int undo_file_keep_target(struct undo_file *u, const char *target);

/* `file` (as a section names it) relative to `target`: "" for the target
 * itself, else what follows "target/"; NULL if it is not under it. */
const char *undo_rel(const char *file, const char *target);

#endif
