/*
 * dgram_sink: a syslog receiver for tests/e2e/alerts.sh.
 *
 *   dgram_sink udp PORT-FILE OUT     listen on 127.0.0.1, an ephemeral port
 *   dgram_sink unix SOCKET-PATH OUT  listen on a unix datagram socket
 *
 * Writes each datagram received to OUT followed by a newline (the sender's
 * messages hold none), flushed at once; in udp mode the bound port goes to
 * PORT-FILE once the socket is ready. Runs until SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "dgram_sink: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char buf[65536];
	int fd;

	if (argc != 4 || (strcmp(argv[1], "udp") != 0 && strcmp(argv[1], "unix") != 0)) {
		fprintf(stderr, "usage: dgram_sink udp PORT-FILE OUT | unix SOCKET-PATH OUT\n");
		return 2;
	}
	FILE *out = fopen(argv[3], "a");
	if (!out)
		return fail(argv[3]);
	if (strcmp(argv[1], "udp") == 0) {
		struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t len = sizeof in;
		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 || bind(fd, (struct sockaddr *)&in, sizeof in) < 0 ||
		    getsockname(fd, (struct sockaddr *)&in, &len) < 0)
			return fail("udp socket");
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
		FILE *pf = fopen(tmp, "w");
		if (!pf || fprintf(pf, "%d\n", ntohs(in.sin_port)) < 0 || fclose(pf) != 0 ||
		    rename(tmp, argv[2]) != 0)
			return fail(argv[2]);
	} else {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		snprintf(un.sun_path, sizeof un.sun_path, "%s", argv[2]);
		unlink(argv[2]);
		if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 || bind(fd, (struct sockaddr *)&un, sizeof un) < 0)
			return fail("unix socket");
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("recv");
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n || putc('\n', out) == EOF || fflush(out) != 0)
			return fail(argv[3]);
	}
}
