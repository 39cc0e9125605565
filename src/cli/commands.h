/* commands.h - one command per file of cli/; main.c holds the table. */
#ifndef WIMPATCH_COMMANDS_H
#define WIMPATCH_COMMANDS_H

#include "cli/options.h"

extern const struct cli_command cli_apply;	/* cmd_apply.c */
extern const struct cli_command cli_diff;	/* cmd_apply.c */
extern const struct cli_command cli_show;	/* cmd_show.c */
extern const struct cli_command cli_profiles;	/* cmd_profiles.c */
extern const struct cli_command cli_validate;	/* cmd_profiles.c */
extern const struct cli_command cli_undo;	/* cmd_undo.c */
extern const struct cli_command cli_query;	/* cmd_query.c */

#endif
