/*
 * commands — docker's commands of step 08 besides run (lib/frontend/run):
 * each takes its own argv (argv[0] is the command's name) and returns the
 * exit status: 0, or 1 with a line on stderr in docker's words for each
 * container it could not act on; exec returns the command's status. A bad
 * flag or a missing argument dies with 125, before anything is done.
 */
#ifndef STEPBOX_COMMANDS_H
#define STEPBOX_COMMANDS_H

/* Exit status of a command other than run and exec that failed: docker's 1. */
#define EXIT_COMMAND_FAILED 1

int command_ps(int argc, char **argv);
int command_logs(int argc, char **argv);
int command_inspect(int argc, char **argv);
int command_stop(int argc, char **argv);
int command_kill(int argc, char **argv);
int command_wait(int argc, char **argv);
int command_rm(int argc, char **argv);
int command_exec(int argc, char **argv);
int command_volume(int argc, char **argv);
/* The images' commands (lib/frontend/images.c): load, images, rmi, history, save, pull.
 * A failure of load, save or pull (the runtime's own work) is 125. */
int command_images(int argc, char **argv);
int command_load(int argc, char **argv);
int command_rmi(int argc, char **argv);
int command_history(int argc, char **argv);
int command_save(int argc, char **argv);
int command_pull(int argc, char **argv);

#endif
