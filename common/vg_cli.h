/*
 * vg_cli: command-line conventions shared by vigil's daemons.
 */
#ifndef VG_CLI_H
#define VG_CLI_H

#include <stdio.h>

/* Parses the options every daemon takes: -c FILE (required), -t (validate
 * and exit), -h. On return optind indexes the first operand. Returns -1 to
 * go on, or the status main should exit with (0 after -h, 2 on a usage
 * error, after printing usage). */
int vg_cli_daemon_args(int argc, char **argv, void (*usage)(FILE *), const char **conf, int *test);

#endif
