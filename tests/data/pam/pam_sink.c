/*
 * pam_sink: a stand-in for vigil-agent in tests/e2e/pam_module.sh.
 *
 * It receives pam_vigil.so's datagrams through the agent's real intake
 * (agent_pam_open, agent_pam_read, agent_pam_parse) and writes each event it
 * would spool as one JSON line (sorted keys) to OUT, after checking it
 * against schema v1 as agent_emit() does; an event that fails is written as
 * "INVALID: reason". Once the socket is ready it creates OUT.ready.
 *
 *   pam_sink SOCKET OUT          receive until SIGTERM
 *   pam_sink -hold SOCKET OUT    read nothing (the queue fills) until
 *                                SIGUSR1, then drain the queue and exit
 *
 * The test script compiles it against the build's libvgagent.a and
 * libvgcommon.a; this agent_emit() takes the place of the real one.
 */
#include "agent.h"
#include "agent_pam.h"
#include "vg_event.h"
#include "vg_log.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static FILE *out;

int agent_emit(struct agent *a, json_t *ev)
{
	struct vg_event check;
	char err[512];
	json_t *copy = json_deep_copy(ev);
	char *line;

	(void)a;
	if (!copy || json_object_set_new(copy, "seq", json_integer(1)) < 0 ||
	    vg_event_decode(copy, &check, err, sizeof err) < 0)
		fprintf(out, "INVALID: %s\n", copy ? err : "out of memory");
	json_decref(copy);
	if ((line = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS))) {
		fprintf(out, "%s\n", line);
		free(line);
	}
	fflush(out);
	json_decref(ev);
	return 0;
}

int main(int argc, char **argv)
{
	static struct agent a;
	char err[512], ready[4096];
	int hold = 0, fd, sfd, rc = 0;
	sigset_t set;

	if (argc > 1 && strcmp(argv[1], "-hold") == 0)
		hold = 1, argc--, argv++;
	if (argc != 3) {
		fprintf(stderr, "usage: pam_sink [-hold] SOCKET OUT\n");
		return 2;
	}
	vg_log_init("pam_sink", VG_LOG_ERR, 0);
	if (!(out = fopen(argv[2], "a"))) {
		perror(argv[2]);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		perror("signalfd");
		return 1;
	}
	if ((fd = agent_pam_open(argv[1], err, sizeof err)) < 0) {
		fprintf(stderr, "pam_sink: %s\n", err);
		return 1;
	}
	a.cfg.host = "e2e-host";
	a.wake_fd = -1;
	snprintf(ready, sizeof ready, "%s.ready", argv[2]);
	close(open(ready, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));

	for (;;) {
		struct pollfd p[2] = {{.fd = sfd, .events = POLLIN}, {.fd = fd, .events = hold ? 0 : POLLIN}};
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents & POLLIN && agent_pam_read(&a, fd) < 0) {
			rc = 1;
			break;
		}
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof si) != sizeof si)
			continue;
		if (si.ssi_signo == SIGUSR1) {
			while (agent_pam_read(&a, fd) > 0)
				;
			if (hold)
				break;
			continue;
		}
		while (agent_pam_read(&a, fd) > 0)   /* whatever arrived before the stop */
			;
		break;
	}
	close(fd);
	unlink(argv[1]);
	close(sfd);
	fclose(out);
	return rc;
}
