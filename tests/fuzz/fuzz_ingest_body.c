/*
 * fuzz_ingest_body: the collector's untrusted request body path,
 * col_ingest_gunzip and col_ingest_body (NDJSON and JSON splitting, schema
 * check, quarantine, storage, detection) against a real SQLite store.
 *
 * The first input byte picks the path: bit 0 NDJSON (else JSON), bit 1 the
 * rest is gzip to inflate first (with a 64 KiB bound, so bombs hit 413).
 * The store lives in a private temporary directory, on /dev/shm when there
 * is one, and is recreated every few thousand inputs to stay small; the
 * e2e fixture policy (VIGIL_FUZZ_POLICY overrides) is installed so that
 * detection runs on what is accepted.
 *
 * Invariants: every item is accounted for (accepted + duplicate +
 * quarantined > 0 for a body with content, nothing negative), and a
 * status is always one HTTP knows.
 */
#include "col_ingest.h"
#include "col_server.h"
#include "col_store.h"
#include "fuzz.h"
#include "pol.h"

#include <string.h>
#include <unistd.h>

#define GUNZIP_LIMIT 65536
#define RECREATE_EVERY 4000

static struct col_server srv;
static struct col_principal agent;
static char dir[64], dbpath[96];
static long inputs;

static void store_remove(void)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char p[128];
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", dbpath, suffix[i]);
		unlink(p);
	}
}

static void store_open(void)
{
	char err[512];
	int64_t id;
	store_remove();
	if (!(srv.store = col_store_sqlite_open(dbpath, err, sizeof err)) ||
	    col_store_agent_add(srv.store, "ws-fuzz", "00", &id) < 0) {
		fprintf(stderr, "fuzz_ingest_body: %s\n", srv.store ? col_store_error(srv.store) : err);
		exit(1);
	}
	agent.role = COL_ROLE_AGENT;
	agent.id = id;
	snprintf(agent.name, sizeof agent.name, "ws-fuzz");
}

static void teardown(void)
{
	col_store_close(srv.store);
	col_policy_slot_destroy(&srv.policy);
	store_remove();
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pol_policy *p = NULL;
	struct pol_diag diag;
	const char *policy = getenv("VIGIL_FUZZ_POLICY");
	(void)argc;
	(void)argv;

	snprintf(dir, sizeof dir, "%s/vigil-fuzz-ingest.XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(dbpath, sizeof dbpath, "%s/vigil.db", dir);
	store_open();
	if (col_policy_slot_init(&srv.policy) < 0)
		exit(1);
	pol_diag_init(&diag);
	if (pol_load(policy ? policy : "tests/data/e2e/policy.cfg", &p, &diag) == 0)
		col_policy_install(&srv.policy, p);
	else
		fprintf(stderr, "fuzz_ingest_body: no policy (run from the repository root); "
		                "detection is not fuzzed\n");
	pol_diag_free(&diag);
	srv.cfg.max_body = GUNZIP_LIMIT;
	atexit(teardown);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct col_ingest_result res;
	char *body = NULL;
	size_t len = 0;

	if (size == 0)
		return 0;
	if (++inputs % RECREATE_EVERY == 0) {
		col_store_close(srv.store);
		store_open();
	}
	enum col_body_type type = (data[0] & 1) ? COL_BODY_NDJSON : COL_BODY_JSON;
	const char *in = (const char *)data + 1;
	size_t inlen = size - 1;
	if (data[0] & 2) {
		memset(&res, 0, sizeof res);
		if (col_ingest_gunzip(in, inlen, GUNZIP_LIMIT, &body, &len, &res) < 0) {
			if (res.status != 400 && res.status != 413 && res.status != 500)
				fuzz_fail("col_ingest_gunzip failed with status %d", res.status);
			return 0;
		}
		if (len > GUNZIP_LIMIT)
			fuzz_fail("col_ingest_gunzip returned %zu bytes over its limit", len);
		in = body;
		inlen = len;
	}
	int rc = col_ingest_body(&srv, &agent, in ? in : "", inlen, type, &res);
	if (rc == 0 && res.status != 200)
		fuzz_fail("col_ingest_body returned 0 with status %d", res.status);
	if (rc < 0 && res.status < 400)
		fuzz_fail("col_ingest_body failed with status %d", res.status);
	if (res.accepted < 0 || res.duplicate < 0 || res.quarantined < 0)
		fuzz_fail("negative counts");
	if (rc == 0 && type == COL_BODY_JSON && inlen && res.accepted + res.duplicate + res.quarantined == 0) {
		/* Only whitespace, or an empty array, may yield nothing. */
		size_t i = 0;
		while (i < inlen && strchr(" \t\r\n", in[i]) && in[i])
			i++;
		if (i < inlen && in[i] != '[')
			fuzz_fail("a non-empty JSON body was neither stored nor quarantined");
	}
	free(body);
	return 0;
}
