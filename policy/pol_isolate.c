/*
 * pol_isolate: loading a large policy without the parser's memory peak.
 *
 * libconfig keeps the whole parse tree in small heap blocks: for a policy of
 * 100,000 resources that is some 110 MB, while the compiled policy is under
 * 20 MB. A collector that must stay within a memory budget cannot afford
 * the peak, and glibc cannot always give it back. So pol_load_isolated
 * parses and compiles in a child process whose arena is a MAP_SHARED
 * mapping made before fork(): the mapping sits at the same address in both
 * processes, so the compiled policy's pointers are valid in the parent as
 * they are, and the parse tree dies with the child. The diagnostics come
 * back over a pipe; the unused tail of the mapping is unmapped.
 *
 * glibc keeps malloc usable in the child of a multi-threaded parent, and the
 * child only parses and exits with _exit(), so a collector may reload from
 * any thread. When fork or the mapping fails, the load happens in-process.
 */
#include "pol_internal.h"
#include "vg_time.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define END_OF_LOAD UINT32_MAX
#define MAX_TEXT 65536

struct wire_head {
	uint32_t level;          /* enum pol_diag_level, or END_OF_LOAD */
	uint32_t file_index;     /* for END_OF_LOAD: 1 when the load succeeded */
	uint32_t line;
	uint32_t len;            /* bytes of text that follow */
};

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Returns 1 when n bytes were read, 0 at end of file, -1 on error. */
static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return got ? -1 : 0;
		got += (size_t)r;
	}
	return 1;
}

static void child_load(int fd, const char *path, int64_t now, void *region, size_t size)
{
	struct pol_diag diag;
	struct pol_policy *p = NULL;
	struct wire_head h;
	int rc;

	pol_diag_init(&diag);
	rc = pol_load_region(path, now, region, size, &p, &diag);
	for (size_t i = 0; i < diag.n; i++) {
		size_t len = strlen(diag.items[i].text);
		if (len > MAX_TEXT)
			len = MAX_TEXT;
		h.level = diag.items[i].level;
		h.file_index = diag.items[i].file_index;
		h.line = diag.items[i].line;
		h.len = (uint32_t)len;
		if (write_all(fd, &h, sizeof h) < 0 || write_all(fd, diag.items[i].text, len) < 0)
			_exit(1);
	}
	memset(&h, 0, sizeof h);
	h.level = END_OF_LOAD;
	h.file_index = rc == 0 && p == region;
	_exit(write_all(fd, &h, sizeof h) < 0 ? 1 : 0);
}

/* Reads the child's diagnostics into diag; returns 1 when it reported a
 * successful load, 0 when a failed one, -1 when it never finished. */
static int parent_collect(int fd, struct pol_diag *diag)
{
	struct wire_head h;
	char *text = malloc(MAX_TEXT + 1);
	int r, result = -1;

	if (!text)
		return -1;
	while ((r = read_all(fd, &h, sizeof h)) == 1) {
		if (h.level == END_OF_LOAD) {
			result = h.file_index == 1;
			break;
		}
		if (h.len > MAX_TEXT || read_all(fd, text, h.len) != 1)
			break;
		text[h.len] = '\0';
		if (pol_diag_add_text(diag, h.level == POL_DIAG_WARNING ? POL_DIAG_WARNING : POL_DIAG_ERROR,
		                      h.file_index, h.line, text) < 0)
			break;
	}
	free(text);
	return result;
}

/* Room for the compiled policy: generous, only touched pages cost memory. */
static size_t region_size_for(const char *path)
{
	struct stat st;
	size_t base = (size_t)256 << 20, page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = base;
	if (stat(path, &st) == 0 && st.st_size > 0)
		size += (size_t)st.st_size * 16;
	return (size + page - 1) / page * page;
}

int pol_load_isolated_at(const char *path, int64_t now_ms, struct pol_policy **out,
                         struct pol_diag *diag)
{
	size_t size = region_size_for(path), page = (size_t)sysconf(_SC_PAGESIZE), used;
	struct pol_diag own;
	struct pol_policy *p;
	void *region;
	int fds[2], status, result;
	pid_t pid;

	*out = NULL;
	region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
	              -1, 0);
	if (region == MAP_FAILED)
		return pol_load_at(path, now_ms, out, diag);
	if (pipe(fds) < 0) {
		munmap(region, size);
		return pol_load_at(path, now_ms, out, diag);
	}
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		munmap(region, size);
		return pol_load_at(path, now_ms, out, diag);
	}
	if (pid == 0) {
		close(fds[0]);
		child_load(fds[1], path, now_ms, region, size);
	}
	close(fds[1]);
	if (!diag) {
		pol_diag_init(&own);
		diag = &own;
	}
	result = parent_collect(fds[0], diag);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (result < 0)
		pol_diag_add(diag, POL_DIAG_ERROR, path, 0, 0,
		             "the policy loader process failed before finishing");
	if (diag == &own)
		pol_diag_free(&own);
	if (result != 1) {
		munmap(region, size);
		return -1;
	}
	/* Keep what the child used; give the rest of the reservation back. */
	p = region;
	used = (size_t)(p->arena.region - (unsigned char *)region) + p->arena.region_used;
	used = (used + page - 1) / page * page;
	if (used < size)
		munmap((char *)region + used, size - used);
	p->map_size = used;
	p->arena.region_size = p->arena.region_used;
	*out = p;
	return 0;
}

int pol_load_isolated(const char *path, struct pol_policy **out, struct pol_diag *diag)
{
	return pol_load_isolated_at(path, vg_time_now(), out, diag);
}
