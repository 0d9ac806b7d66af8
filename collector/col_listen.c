/*
 * col_listen: opens the collector's listening socket (see col_listen.h).
 */
#include "col_listen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int col_listen_open(const char *host, int port, int *bound_port, int *ipv6, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	                         .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char service[16];
	int one = 1, fd;

	snprintf(service, sizeof service, "%d", port);
	const char *addr = strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
	int rc = getaddrinfo(addr, service, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "listen address %s: %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s:%d: socket: %s", host, port, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0) {
		/* "cannot listen" is what scripts look for when a port is taken. */
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
		close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	*ipv6 = ai->ai_family == AF_INET6;
	*bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                             : ((struct sockaddr_in *)&ss)->sin_port);
	freeaddrinfo(ai);
	return fd;
}
