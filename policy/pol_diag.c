/*
 * pol_diag: the list of errors and warnings a policy load produces, and the
 * "did you mean" suggestions that go into them.
 *
 * The loader checks sections in dependency order (levels before persons),
 * not file order, so items carry their file and line and are sorted back
 * into source order once the load is done.
 */
#include "pol_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pol_diag_init(struct pol_diag *d)
{
	memset(d, 0, sizeof *d);
}

void pol_diag_free(struct pol_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].text);
	free(d->items);
	memset(d, 0, sizeof *d);
}

void pol_diag_print(const struct pol_diag *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->items[i].text);
}

/* Appends an item that takes ownership of text. */
static int diag_push(struct pol_diag *d, enum pol_diag_level lvl, unsigned file_index,
                     unsigned line, char *text)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct pol_diag_item *items = realloc(d->items, cap * sizeof *items);
		if (!items) {
			free(text);
			return -1;
		}
		d->items = items;
		d->cap = cap;
	}
	d->items[d->n].level = lvl;
	d->items[d->n].text = text;
	d->items[d->n].file_index = file_index;
	d->items[d->n].line = line;
	d->n++;
	if (lvl == POL_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	return 0;
}

int pol_diag_addv(struct pol_diag *d, enum pol_diag_level lvl, const char *file,
                  unsigned file_index, unsigned line, const char *fmt, va_list ap)
{
	char msg[1024], *text;
	int n;

	if (!d)
		return 0;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (line)
		n = asprintf(&text, "%s:%u: %s%s", file, line,
		             lvl == POL_DIAG_WARNING ? "warning: " : "", msg);
	else
		n = asprintf(&text, "%s: %s%s", file, lvl == POL_DIAG_WARNING ? "warning: " : "", msg);
	if (n < 0)
		return -1;
	return diag_push(d, lvl, file_index, line, text);
}

int pol_diag_add_text(struct pol_diag *d, enum pol_diag_level lvl, unsigned file_index,
                      unsigned line, const char *text)
{
	char *copy;
	if (!d)
		return 0;
	copy = strdup(text);
	return copy ? diag_push(d, lvl, file_index, line, copy) : -1;
}

int pol_diag_add(struct pol_diag *d, enum pol_diag_level lvl, const char *file,
                 unsigned file_index, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = pol_diag_addv(d, lvl, file, file_index, line, fmt, ap);
	va_end(ap);
	return rc;
}

/* Insertion order breaks ties, so a stable sort is needed: merge sort. */
static bool item_before(const struct pol_diag_item *a, const struct pol_diag_item *b)
{
	if (a->file_index != b->file_index)
		return a->file_index < b->file_index;
	return a->line < b->line;
}

static void merge_sort(struct pol_diag_item *v, struct pol_diag_item *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;
	if (n < 2)
		return;
	merge_sort(v, tmp, mid);
	merge_sort(v + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = item_before(&v[j], &v[i]) ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

void pol_diag_sort(struct pol_diag *d)
{
	struct pol_diag_item *tmp;
	if (!d || d->n < 2)
		return;
	tmp = malloc(d->n * sizeof *tmp);
	if (!tmp)
		return;   /* unsorted is still complete */
	merge_sort(d->items, tmp, d->n);
	free(tmp);
}

/* Case-insensitive edit distance where swapping two neighbours counts as
 * one edit (optimal string alignment); names longer than 64 are never typos
 * of ours. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int rows[3][65];
	int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	if (la > 64 || lb > 64)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int ca = tolower((unsigned char)a[i - 1]);
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cb = tolower((unsigned char)b[j - 1]);
			int best = prev[j - 1] + (ca != cb);
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *pol_suggest(const char *name, const void *base, size_t n, size_t stride)
{
	const char *best = NULL;
	size_t len = strlen(name);
	int best_d = len <= 4 ? 1 : len <= 8 ? 2 : 3;

	best_d++;   /* accept distances up to the limit above */
	for (size_t i = 0; i < n; i++) {
		const char *cand = *(const char *const *)(const void *)((const char *)base + i * stride);
		int dist;
		if (!cand || strcmp(cand, name) == 0)
			continue;
		dist = edit_distance(name, cand);
		if (dist < best_d) {
			best_d = dist;
			best = cand;
		}
	}
	return best;
}

const char *pol_class_kind(enum pol_class cls)
{
	static const char *const kinds[POL_CLASS_COUNT] = {
		[POL_CLASS_UNKNOWN_ACCOUNT] = "unknown_account",
		[POL_CLASS_CLEARANCE] = "clearance_exceeded",
		[POL_CLASS_NEED_TO_KNOW] = "need_to_know",
		[POL_CLASS_VETTING] = "vetting_lapsed",
		[POL_CLASS_HOST] = "host_not_accredited",
		[POL_CLASS_SCHEDULE] = "outside_schedule",
		[POL_CLASS_PRIVILEGE] = "unauthorized_privilege",
		[POL_CLASS_MEDIA] = "removable_media",
	};
	if ((unsigned)cls >= POL_CLASS_COUNT)
		return "unknown";
	return kinds[cls];
}
