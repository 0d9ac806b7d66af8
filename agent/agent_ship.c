/*
 * agent_ship: batches from the spool to the collector over libcurl.
 */
#include "agent_ship.h"
#include "vg_log.h"
#include "vg_time.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

int agent_ship_gzip(const char *in, size_t len, char **out, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t cap = deflateBound(&z, (uLong)len);
	char *buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

char *agent_token_read(const char *path, char *err, size_t errlen)
{
	char buf[256];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open token file: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || (st.st_mode & 077)) {
		snprintf(err, errlen, "%s: token file must not be readable by group or others (chmod 600)",
		         path);
		close(fd);
		return NULL;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "%s: empty or unreadable token file", path);
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, " \t\r\n")] = '\0';
	size_t len = strlen(buf);
	if (len < 16 || strspn(buf, "0123456789abcdef") != len) {
		snprintf(err, errlen, "%s: not a vigil token (expected hex digits)", path);
		return NULL;
	}
	char *tok = strdup(buf);
	if (!tok)
		snprintf(err, errlen, "out of memory");
	return tok;
}

int agent_token_write(const char *path, const char *token, char *err, size_t errlen)
{
	char tmp[4096];
	size_t len = strlen(token);
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	int bad = write(fd, token, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0;
	if (close(fd) < 0)
		bad = 1;
	if (bad || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: cannot write token: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Sleeps up to ms, waking early when the agent signals new events or a
 * stop. */
static void wait_for(struct agent_ship *sh, int ms)
{
	struct pollfd p = {.fd = sh->agent->wake_fd, .events = POLLIN};
	if (atomic_load(&sh->stop))
		return;
	if (poll(&p, 1, ms) > 0) {
		uint64_t v;
		ssize_t n = read(sh->agent->wake_fd, &v, sizeof v);
		(void)n;   /* a failed read only means we poll again */
	}
}

static size_t collect(char *data, size_t size, size_t n, void *user)
{
	char *buf = user;
	size_t have = strlen(buf), add = size * n;
	if (have + add < 1024) {
		memcpy(buf + have, data, add);
		buf[have + add] = '\0';
	}
	return add;
}

/* Posts one batch. Returns the HTTP status, or 0 on a transport error. */
static long post_batch(struct agent_ship *sh, CURL *curl, const struct agent_batch *b, char *reply)
{
	char *gz;
	size_t gzlen;
	long status = 0;
	char url[2048], auth[600];
	struct agent_config *cfg = &sh->agent->cfg;

	if (agent_ship_gzip(b->ndjson, b->len, &gz, &gzlen) < 0)
		return 0;
	snprintf(url, sizeof url, "%s/v1/events", cfg->collector);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", sh->token);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	struct curl_slist *h2 = h ? curl_slist_append(h, "Content-Type: application/x-ndjson") : NULL;
	struct curl_slist *h3 = h2 ? curl_slist_append(h2, "Content-Encoding: gzip") : NULL;
	struct curl_slist *h4 = h3 ? curl_slist_append(h3, "Expect:") : NULL;
	if (!h4) {
		curl_slist_free_all(h3 ? h3 : h2 ? h2 : h);
		free(gz);
		return 0;
	}
	reply[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h4);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, gz);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)gzlen);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
	CURLcode rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(reply, 1024, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(h4);
	free(gz);
	return status;
}

/* Aborts a transfer in progress when the agent is stopping. */
static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct agent_ship *sh = user;
	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&sh->stop) && vg_time_mono_ns() > sh->drain_deadline_ns ? 1 : 0;
}

static CURL *make_curl(struct agent_ship *sh, const struct agent_config *cfg)
{
	CURL *c = curl_easy_init();
	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, sh);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil-agent/1");
	if (cfg->ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca);
	if (cfg->certificate) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, cfg->certificate);
		curl_easy_setopt(c, CURLOPT_SSLKEY, cfg->key);
	}
	return c;
}

/* Capped exponential back-off with jitter (50..100% of the step). */
static int backoff_ms(int failures, int cap_s)
{
	int64_t step = 500LL << (failures < 16 ? failures : 16);
	if (step > (int64_t)cap_s * 1000)
		step = (int64_t)cap_s * 1000;
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = (uint32_t)vg_time_mono_ns();
	return (int)(step / 2 + (int64_t)(r % (uint32_t)(step / 2 + 1)));
}

static void *ship_main(void *arg)
{
	struct agent_ship *sh = arg;
	struct agent_config *cfg = &sh->agent->cfg;
	char err[512], reply[1024];
	int failures = 0;
	size_t max_events = (size_t)cfg->batch_events;
	struct agent_spool *sp = agent_spool_open(cfg->spool, cfg->spool_max_events, err, sizeof err);
	CURL *curl = make_curl(sh, cfg);

	if (!sp || !curl) {
		vg_err("shipper cannot start: %s", sp ? "cannot initialise libcurl" : err);
		goto out;
	}
	for (;;) {
		struct agent_batch b;
		/* On a clean stop, what is spooled (the stop event included) is sent
		 * while the collector answers and the drain deadline lasts. */
		int stopping = atomic_load(&sh->stop);
		if (stopping && (failures || vg_time_mono_ns() > sh->drain_deadline_ns))
			break;
		int n = agent_spool_peek(sp, max_events, cfg->batch_bytes, &b, err, sizeof err);
		if (stopping && n <= 0)
			break;
		if (n < 0) {
			vg_err("%s", err);
			wait_for(sh, 1000);
			continue;
		}
		if (n == 0) {
			wait_for(sh, 1000);
			continue;
		}
		/* A partial batch waits briefly for company, once. */
		if (!stopping && (size_t)n < max_events && b.len < cfg->batch_bytes / 2 &&
		    cfg->batch_delay_ms > 0 && failures == 0) {
			agent_batch_free(&b);
			wait_for(sh, cfg->batch_delay_ms);
			n = agent_spool_peek(sp, max_events, cfg->batch_bytes, &b, err, sizeof err);
			if (n <= 0)
				continue;
		}
		long status = post_batch(sh, curl, &b, reply);
		if (status == 200) {
			if (agent_spool_ack(sp, b.last_seq, err, sizeof err) < 0)
				vg_err("%s", err);
			atomic_fetch_add(&sh->sent, (long long)b.count);
			atomic_fetch_add(&sh->batches, 1);
			if (failures)
				vg_info("collector reachable again; shipping resumed");
			failures = 0;
			max_events = (size_t)cfg->batch_events;
		} else {
			atomic_fetch_add(&sh->failures, 1);
			if (status == 413 && max_events > 1) {
				max_events = (max_events + 1) / 2;   /* smaller batches, then retry */
			} else {
				int ms = backoff_ms(failures++, cfg->backoff_max_s);
				if (failures == 1 || failures % 10 == 0)
					vg_warn("collector %s: %s%ld %s; %lld events spooled; retrying in %d ms",
					        cfg->collector, status ? "HTTP " : "", status, reply,
					        (long long)agent_spool_count(sp), ms);
				agent_batch_free(&b);
				/* Back-off is not cut short by new events, only by stop. */
				int64_t until = vg_time_mono_ns() + (int64_t)ms * 1000000;
				while (!atomic_load(&sh->stop) && vg_time_mono_ns() < until)
					wait_for(sh, (int)((until - vg_time_mono_ns()) / 1000000) + 1);
				continue;
			}
		}
		agent_batch_free(&b);
	}
out:
	if (curl)
		curl_easy_cleanup(curl);
	agent_spool_close(sp);
	return NULL;
}

int agent_ship_check_tls(const struct agent_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	if (!cfg->certificate)
		return 0;
	if (access(cfg->certificate, R_OK) < 0) {
		snprintf(err, errlen, "%s: client certificate: %s", cfg->certificate, strerror(errno));
		return -1;
	}
	if (stat(cfg->key, &st) < 0 || access(cfg->key, R_OK) < 0) {
		snprintf(err, errlen, "%s: client key: %s", cfg->key, strerror(errno));
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: the client key must not be readable by group or others (chmod 600)",
		         cfg->key);
		return -1;
	}
	return 0;
}

int agent_ship_start(struct agent_ship *sh, struct agent *a, char *err, size_t errlen)
{
	memset(sh, 0, sizeof *sh);
	sh->agent = a;
	if (agent_ship_check_tls(&a->cfg, err, errlen) < 0)
		return -1;
	if (!(sh->token = agent_token_read(a->cfg.token_file, err, errlen)))
		return -1;
	if (pthread_create(&sh->thread, NULL, ship_main, sh) != 0) {
		snprintf(err, errlen, "cannot start the shipper thread");
		free(sh->token);
		sh->token = NULL;
		return -1;
	}
	return 0;
}

void agent_ship_stop(struct agent_ship *sh)
{
	uint64_t one = 1;
	if (!sh->token)
		return;
	sh->drain_deadline_ns = vg_time_mono_ns() + AGENT_SHIP_DRAIN_MS * 1000000LL;
	atomic_store(&sh->stop, 1);
	ssize_t n = write(sh->agent->wake_fd, &one, sizeof one);
	(void)n;
	pthread_join(sh->thread, NULL);
	explicit_bzero(sh->token, strlen(sh->token));
	free(sh->token);
	sh->token = NULL;
}
