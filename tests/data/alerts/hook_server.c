/*
 * hook_server: a webhook receiver for tests/e2e/alerts.sh, on
 * libmicrohttpd.
 *
 *   hook_server PORT PORT-FILE OUT FAILS [HEADER-NAME HEADER-VALUE]
 *
 * Listens on 127.0.0.1:PORT (0: an ephemeral port); the port is written to
 * PORT-FILE when it is ready. Each POST is answered 500 while fewer than FAILS have been
 * refused, then 200; with HEADER-NAME, a POST without that header and value
 * is answered 401. Each POST appends one line to OUT: the status given, a
 * space, the Content-Type, a space and the body (which must hold no
 * newline). Runs until SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hook {
	FILE *out;
	long fails, refused;
	const char *hname, *hvalue;
};

struct body {
	char *data;
	size_t len;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct hook *h = cls;
	struct body *b = *con_cls;
	(void)url;
	(void)version;

	if (!b) {
		if (!(b = calloc(1, sizeof *b)))
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_size) {
		char *nd = realloc(b->data, b->len + *upload_size + 1);
		if (!nd)
			return MHD_NO;
		memcpy(nd + b->len, upload, *upload_size);
		b->data = nd;
		b->len += *upload_size;
		b->data[b->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	unsigned status = 200;
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (strcmp(method, "POST") != 0) {
		status = 405;
	} else if (h->hname) {
		const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, h->hname);
		if (!v || strcmp(v, h->hvalue) != 0)
			status = 401;
	}
	if (status == 200 && h->refused < h->fails) {
		h->refused++;
		status = 500;
	}
	fprintf(h->out, "%u %s %s\n", status, ct ? ct : "-", b->data ? b->data : "");
	fflush(h->out);
	static const char reply[] = "{}";
	struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)reply, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct body *b = *con_cls;
	(void)cls;
	(void)c;
	(void)t;
	if (b) {
		free(b->data);
		free(b);
	}
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	struct hook h = {0};
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	sigset_t set;
	int sig;

	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: hook_server PORT PORT-FILE OUT FAILS [HEADER-NAME HEADER-VALUE]\n");
		return 2;
	}
	in.sin_port = htons((unsigned short)strtol(argv[1], NULL, 10));
	if (!(h.out = fopen(argv[3], "a"))) {
		perror(argv[3]);
		return 1;
	}
	h.fails = strtol(argv[4], NULL, 10);
	if (argc == 7) {
		h.hname = argv[5];
		h.hvalue = argv[6];
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* One thread: requests are counted in order. */
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request,
	                                        &h, MHD_OPTION_SOCK_ADDR, &in,
	                                        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "hook_server: cannot listen\n");
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
	FILE *pf = fopen(tmp, "w");
	if (!di || !pf || fprintf(pf, "%u\n", (unsigned)di->port) < 0 || fclose(pf) != 0 ||
	    rename(tmp, argv[2]) != 0) {
		fprintf(stderr, "hook_server: cannot write %s\n", argv[2]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	fclose(h.out);
	return 0;
}
