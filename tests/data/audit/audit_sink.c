/*
 * audit_sink: the agent's real audit intake (agent_audit_*) on the kernel's
 * audit multicast group, printing each event it would spool as one JSON
 * line. Used by tests/e2e/audit_live.sh.
 *
 *   audit_sink [-small] [-hold SECONDS] [-read PATH] OUTFILE
 *
 * -small      shrink the socket's receive buffer so that a burst overruns it
 * -hold N     do not read for N seconds after start (lets a burst pile up)
 * -read PATH  read PATH once after start (the agent's own access, which
 *             must never come back as an event)
 *
 * Writes OUTFILE.ready when the socket is bound and the exclusion rule is
 * installed; on SIGTERM flushes, removes the rule, writes "stats ..." to
 * OUTFILE.stats and exits 0.
 */
#include "agent_audit.h"
#include "vg_log.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int print_event(void *ctx, json_t *ev)
{
	FILE *out = ctx;
	char *s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(ev);
	if (!s)
		return -1;
	fprintf(out, "%s\n", s);
	fflush(out);
	free(s);
	return 0;
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	int small = 0, hold = 0;
	const char *readpath = NULL, *outpath;
	char err[512], path[4096];
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-small") == 0)
			small = 1;
		else if (strcmp(argv[i], "-hold") == 0 && i + 1 < argc - 1)
			hold = atoi(argv[++i]);
		else if (strcmp(argv[i], "-read") == 0 && i + 1 < argc - 1)
			readpath = argv[++i];
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: audit_sink [-small] [-hold N] [-read PATH] OUTFILE\n");
		return 2;
	}
	outpath = argv[i];
	vg_log_init("audit_sink", VG_LOG_INFO, 0);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);

	FILE *out = fopen(outpath, "a");
	if (!out) {
		perror(outpath);
		return 1;
	}
	struct agent_audit *aa = agent_audit_new_with_sink(print_event, out);
	if (!aa || agent_audit_set_host(aa, "e2e-host") < 0)
		return 1;
	agent_audit_set_self_pid(aa, getpid());
	int rc = agent_audit_attach_kernel(aa);
	int fd = rc < 0 ? -1 : agent_audit_netlink_open(err, sizeof err);
	if (fd < 0) {
		if (rc < 0)
			fprintf(stderr, "audit_sink: attach: %s\n", strerror(-rc));
		else
			fprintf(stderr, "audit_sink: %s\n", err);
		agent_audit_free(aa);
		fclose(out);
		return 1;
	}
	if (small) {
		/* The kernel doubles the value and applies its minimum. */
		int size = 1;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	}
	snprintf(path, sizeof path, "%s.ready", outpath);
	touch(path);
	if (readpath) {
		char buf[256];
		int rfd = open(readpath, O_RDONLY);
		if (rfd >= 0) {
			while (read(rfd, buf, sizeof buf) > 0)
				;
			close(rfd);
		}
	}
	if (hold > 0)
		sleep((unsigned)hold);

	struct timespec last, now;
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) > 0 && agent_audit_netlink_read(aa, fd) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			agent_audit_tick(aa);
			last = now;
		}
	}
	agent_audit_netlink_read(aa, fd);
	agent_audit_flush(aa);
	struct agent_audit_stats st;
	agent_audit_get_stats(aa, &st);
	snprintf(path, sizeof path, "%s.stats", outpath);
	FILE *sf = fopen(path, "w");
	if (sf) {
		fprintf(sf, "stats records=%llu events=%llu emitted=%llu self=%llu overruns=%llu\n",
		        (unsigned long long)st.records, (unsigned long long)st.events,
		        (unsigned long long)st.emitted, (unsigned long long)st.self,
		        (unsigned long long)st.overruns);
		fclose(sf);
	}
	close(fd);
	agent_audit_free(aa);      /* removes the exclusion rule */
	fclose(out);
	return 0;
}
