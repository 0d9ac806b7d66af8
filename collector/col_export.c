/*
 * col_export: the export subcommand and the streaming HTTP export.
 *
 * Both read one store cursor (col_store_export_open) line by line: the CLI
 * writes each line to the output file, the HTTP handler hands lines to
 * libmicrohttpd as the client reads, so neither ever holds more than one
 * object in memory.
 */
#include "col_export.h"
#include "vg_log.h"
#include "vg_time.h"

#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kind_names[] = {"events", "anomalies"};

static int kind_parse(const char *s)
{
	for (int i = 0; i < 2; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

/* ---- command line --------------------------------------------------------- */

static void export_usage(void)
{
	fprintf(stderr, "usage: vigil-collector -c FILE export events|anomalies [--since T] [--until T]"
	                " [--out FILE]\n"
	                "       T is YYYY-MM-DD or an RFC 3339 UTC time; since is inclusive, until "
	                "exclusive\n");
}

static int parse_time_arg(const char *opt, const char *v, int64_t *ms)
{
	if (vg_time_parse_loose(v, ms) == 0)
		return 0;
	fprintf(stderr, "vigil-collector: %s '%s': expected YYYY-MM-DD or an RFC 3339 UTC time\n", opt, v);
	return -1;
}

/* Opens the output: a new file (mode 0600: it holds personal data), or
 * standard output for "-" or when no --out is given. */
static FILE *open_out(const char *path)
{
	if (!path || strcmp(path, "-") == 0)
		return stdout;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "vigil-collector: %s: cannot create: %m\n", path);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "vigil-collector: %s: %m\n", path);
		close(fd);
	}
	return f;
}

/* Writes every line of x to out. Returns the count, or -1 (reported). */
static long long write_lines(struct col_store *st, struct col_export *x, FILE *out, const char *name)
{
	const char *line;
	size_t len;
	long long count = 0;
	int rc;

	while ((rc = col_store_export_next(st, x, &line, &len)) > 0) {
		if (fwrite(line, 1, len, out) != len || putc('\n', out) == EOF) {
			fprintf(stderr, "vigil-collector: %s: write failed: %m\n", name);
			return -1;
		}
		count++;
	}
	if (rc < 0) {
		fprintf(stderr, "vigil-collector: %s\n", col_store_export_error(st, x));
		return -1;
	}
	return count;
}

int col_export_main(const struct col_config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"out", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int64_t since = -1, until = -1;
	const char *out_path = NULL;
	char err[512];
	int opt, kind;

	if (argc < 2 || (kind = kind_parse(argv[1])) < 0) {
		export_usage();
		return 2;
	}
	optind = 1;                        /* parse what follows the kind */
	opterr = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 's' && parse_time_arg("--since", optarg, &since) == 0)
			continue;
		if (opt == 'u' && parse_time_arg("--until", optarg, &until) == 0)
			continue;
		if (opt == 'o') {
			out_path = optarg;
			continue;
		}
		if (opt != 's' && opt != 'u')
			export_usage();
		return 2;
	}
	if (optind != argc - 1) {
		export_usage();
		return 2;
	}
	if (access(cfg->database, F_OK) != 0) {
		fprintf(stderr, "vigil-collector: %s: no database there: %m\n", cfg->database);
		return 1;
	}
	struct col_store *st = col_store_sqlite_open(cfg->database, err, sizeof err);
	if (!st) {
		fprintf(stderr, "vigil-collector: %s\n", err);
		return 1;
	}
	struct col_export *x = col_store_export_open(st, (enum col_export_kind)kind, since, until, err,
	                                             sizeof err);
	if (!x) {
		fprintf(stderr, "vigil-collector: %s\n", err);
		col_store_close(st);
		return 1;
	}
	const char *name = out_path ? out_path : "standard output";
	FILE *out = open_out(out_path);
	long long n = out ? write_lines(st, x, out, name) : -1;
	col_store_export_close(st, x);
	col_store_close(st);
	if (out && (fflush(out) != 0 || (out != stdout && fsync(fileno(out)) != 0))) {
		fprintf(stderr, "vigil-collector: %s: write failed: %m\n", name);
		n = -1;
	}
	if (out && out != stdout && fclose(out) != 0 && n >= 0) {
		fprintf(stderr, "vigil-collector: %s: write failed: %m\n", name);
		n = -1;
	}
	if (n < 0)
		return 1;
	fprintf(stderr, "vigil-collector: exported %lld %s to %s\n", n, kind_names[kind], name);
	return 0;
}

/* ---- HTTP ------------------------------------------------------------------ */

/* A response being streamed: the cursor and the unsent rest of a line. */
struct stream {
	struct col_store *store;
	struct col_export *x;
	const char *line;
	size_t len, off;                   /* off may reach len + 1: the newline */
	int failed;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n = 0;
	(void)pos;

	if (s->failed)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	while (n < max) {
		if (!s->line) {
			int rc = col_store_export_next(s->store, s->x, &s->line, &s->len);
			if (rc < 0) {
				/* The client sees a broken transfer rather than a short file
				 * that looks complete. */
				vg_err("export: %s", col_store_export_error(s->store, s->x));
				s->failed = 1;
				return n ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
			}
			if (rc == 0)
				break;
			s->off = 0;
		}
		if (s->off < s->len) {
			size_t k = s->len - s->off < max - n ? s->len - s->off : max - n;
			memcpy(buf + n, s->line + s->off, k);
			n += k;
			s->off += k;
		}
		if (s->off == s->len && n < max) {
			buf[n++] = '\n';
			s->line = NULL;
		}
	}
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	col_store_export_close(s->store, s->x);
	free(s);
}

struct MHD_Response *col_export_response(struct col_server *srv, struct MHD_Connection *c,
                                         enum col_export_kind kind, struct col_reply *r)
{
	int64_t since, until;
	char err[512];

	if (col_api_query_time(c, "since", &since, r) < 0 || col_api_query_time(c, "until", &until, r) < 0)
		return NULL;
	struct stream *s = calloc(1, sizeof *s);
	if (!s) {
		col_api_error(r, 500, "out of memory");
		return NULL;
	}
	s->store = srv->store;
	if (!(s->x = col_store_export_open(srv->store, kind, since, until, err, sizeof err))) {
		free(s);
		col_api_error(r, 500, "%s", err);
		return NULL;
	}
	struct MHD_Response *resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, s, stream_free);
	if (!resp) {
		stream_free(s);
		col_api_error(r, 500, "out of memory");
		return NULL;
	}
	r->status = 200;
	return resp;
}
