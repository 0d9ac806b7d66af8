/*
 * vg_cli: the -c/-t/-h options of vigil-collector and vigil-agent.
 */
#include "vg_cli.h"

#include <unistd.h>

int vg_cli_daemon_args(int argc, char **argv, void (*usage)(FILE *), const char **conf, int *test)
{
	int opt;
	*conf = NULL;
	*test = 0;
	/* '+': stop at the first operand, so subcommands keep their options. */
	while ((opt = getopt(argc, argv, "+c:th")) != -1) {
		switch (opt) {
		case 'c': *conf = optarg; break;
		case 't': *test = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!*conf) {
		usage(stderr);
		return 2;
	}
	return -1;
}
