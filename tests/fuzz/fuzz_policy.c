/*
 * fuzz_policy: pol_load on arbitrary policy text. A policy is written by
 * trusted authors, but `vigil-policy check` and the collector's reload must
 * answer every mistake with a diagnostic, never a crash.
 *
 * The text goes to a file in a private temporary directory (pol_load reads
 * a path; @include resolves against that directory, which holds nothing
 * else). Run with a small -max_len: libconfig's tree is large per byte.
 */
#include "fuzz.h"
#include "pol.h"

#include <string.h>
#include <unistd.h>

static char dir[64], path[96];

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/vigil-fuzz-policy.XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof path, "%s/policy.cfg", dir);
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_policy *p = NULL;
	struct pol_diag diag;
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	if (fclose(f) != 0)
		return 0;
	pol_diag_init(&diag);
	/* A fixed "now" keeps date warnings (and so coverage) reproducible. */
	int rc = pol_load_at(path, 1795305600000LL, &p, &diag);
	if (rc == 0 && !p)
		fuzz_fail("pol_load_at succeeded without a policy");
	if (rc != 0 && diag.errors == 0)
		fuzz_fail("pol_load_at failed without an error diagnostic");
	pol_free(p);
	pol_diag_free(&diag);
	return 0;
}
