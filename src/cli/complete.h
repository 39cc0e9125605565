/*
 * complete.h - what the bash completion (completion/wimpatch) asks
 * wimpatch:
 *   wimpatch __complete [COMMAND]          the commands, or a command's
 *                                          option table (options.h)
 *   wimpatch __complete --params [-d DIR]... PROFILE...
 *                                          "NAME=" for each parameter the
 *                                          profiles (and their includes)
 *                                          declare
 *   wimpatch __complete --images TARGET... what -i can select: indexes and
 *                                          names of a WIM's images; on a
 *                                          tree, "install:N", "boot:NAME"
 * one per line.  Read only, and quiet: a completion never writes, never
 * waits (a FIFO or device is refused unopened) and prints no error; what
 * cannot be read offers nothing.
 */
#ifndef WIMPATCH_COMPLETE_H
#define WIMPATCH_COMPLETE_H

/* argv[1] is "__complete".  Returns an exit status. */
int cli_complete(int argc, char **argv);

#endif
