/* commands.h - one function per subcommand; main.c holds the table. */
#ifndef WIMPATCH_COMMANDS_H
#define WIMPATCH_COMMANDS_H

int cmd_apply(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_profiles(int argc, char **argv);
int cmd_show(int argc, char **argv);

#endif
