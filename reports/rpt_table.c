/*
 * rpt_table: aligned text tables and CSV fields.
 *
 * Cells are sanitized once, when added, so the layout code only ever measures
 * and prints safe UTF-8. Column widths are decided at print time from the
 * data: every column starts at its natural width, then the widest column
 * that may still shrink gives up one character at a time until the line
 * fits. Long free text goes on its own line under the row instead of being
 * squeezed into what an 80-column line leaves over.
 */
#include "rpt_table.h"

#include "rpt_field.h"
#include "rpt_text.h"

#include <stdlib.h>
#include <string.h>

#define GAP 2 /* spaces between columns */

struct rpt_cell {
	char *text; /* sanitized */
	const char *style;
};

struct rpt_table {
	const struct rpt_column *cols;
	size_t ncols;
	struct rpt_cell *cells; /* row-major */
	size_t ncells, cap;
};

struct rpt_table *rpt_table_new(const struct rpt_column *cols, size_t ncols)
{
	struct rpt_table *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void rpt_table_free(struct rpt_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t);
}

int rpt_table_add(struct rpt_table *t, const char *s, size_t len, const char *style)
{
	char *text;

	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct rpt_cell *cells = realloc(t->cells, cap * sizeof *cells);

		if (!cells)
			return -1;
		t->cells = cells;
		t->cap = cap;
	}
	text = s ? rpt_text_sanitize(s, len) : strdup("-");
	if (!text)
		return -1;
	t->cells[t->ncells].text = text;
	t->cells[t->ncells].style = style;
	t->ncells++;
	return 0;
}

size_t rpt_table_rows(const struct rpt_table *t)
{
	return t->ncols ? t->ncells / t->ncols : 0;
}

/* Natural width of column c: its widest cell or its title. */
static size_t column_need(const struct rpt_table *t, size_t c)
{
	size_t rows = rpt_table_rows(t), need = rpt_text_width(t->cols[c].title);

	for (size_t r = 0; r < rows; r++) {
		size_t cw = rpt_text_width(t->cells[r * t->ncols + c].text);

		if (cw > need)
			need = cw;
	}
	return need;
}

/* Decides the width of each column on the main line (w[ncols], 0 for the
 * columns printed below) and returns how many columns are on it. */
static size_t table_layout(const struct rpt_table *t, size_t width, size_t *w)
{
	size_t total = 0, inline_cols = 0;

	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = 0;
		if (t->cols[c].below)
			continue;
		w[c] = column_need(t, c);
		total += w[c] + (inline_cols++ ? GAP : 0);
	}
	while (total > width) {
		size_t widest = t->ncols;

		for (size_t c = 0; c < inline_cols; c++) {
			if (w[c] <= t->cols[c].min_width)
				continue;
			if (widest == t->ncols || w[c] > w[widest])
				widest = c;
		}
		if (widest == t->ncols)
			break;
		w[widest]--;
		total--;
	}
	return inline_cols;
}

static void put_cell(FILE *out, const char *text, const char *style, size_t width, bool last,
		     bool color)
{
	bool styled = color && style;

	if (styled)
		fprintf(out, "\033[%sm", style);
	rpt_text_put_cell(out, text, width, !last && !styled);
	if (styled) {
		/* Pad after the reset so that colour covers only the text. */
		size_t cols = rpt_text_width(text);

		fputs("\033[0m", out);
		for (; !last && cols < width; cols++)
			fputc(' ', out);
	}
	if (!last)
		for (int i = 0; i < GAP; i++)
			fputc(' ', out);
}

/* Prints the columns that go under a row, indented to the second column. */
static void put_below(const struct rpt_table *t, FILE *out, size_t row, size_t inline_cols,
		      const size_t *w, size_t width)
{
	size_t indent = inline_cols > 1 ? w[0] + GAP : 0;

	for (size_t c = inline_cols; c < t->ncols; c++) {
		for (size_t i = 0; i < indent; i++)
			fputc(' ', out);
		rpt_text_put_cell(out, t->cells[row * t->ncols + c].text,
				  width > indent ? width - indent : 1, false);
		fputc('\n', out);
	}
}

int rpt_table_print(const struct rpt_table *t, FILE *out, size_t width, bool color)
{
	size_t rows = rpt_table_rows(t), inline_cols;
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof *w);

	if (!w)
		return -1;
	inline_cols = table_layout(t, width, w);
	for (size_t c = 0; c < inline_cols; c++)
		put_cell(out, t->cols[c].title, "1", w[c], c + 1 == inline_cols, color);
	fputc('\n', out);
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < inline_cols; c++) {
			const struct rpt_cell *cell = &t->cells[r * t->ncols + c];

			put_cell(out, cell->text, cell->style, w[c], c + 1 == inline_cols, color);
		}
		fputc('\n', out);
		put_below(t, out, r, inline_cols, w, width);
	}
	free(w);
	return ferror(out) ? -1 : 0;
}

int rpt_csv_field(FILE *out, const char *s, size_t len, bool first)
{
	char *text = s ? rpt_text_sanitize(s, len) : strdup("");
	bool quote;

	if (!text)
		return -1;
	if (!first)
		fputc(',', out);
	quote = strpbrk(text, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', out);
	if (strchr("=+-@\t\r", text[0]) && text[0] != '\0')
		fputc('\'', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	if (quote)
		fputc('"', out);
	free(text);
	return ferror(out) ? -1 : 0;
}

int rpt_csv_end_row(FILE *out)
{
	fputs("\r\n", out);
	return ferror(out) ? -1 : 0;
}

int rpt_csv_row(FILE *out, const char *const *fields, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		rc |= rpt_csv_field(out, fields[i], fields[i] ? strlen(fields[i]) : 0, i == 0);
	rc |= rpt_csv_end_row(out);
	return rc ? -1 : 0;
}

int rpt_csv_section(FILE *out, const char *section, const json_t *list, const char *const *keys,
		    size_t n)
{
	const char *v[16];
	char b[15][RPT_FIELD_BUF];
	const json_t *o;
	size_t i;
	int rc;

	if (n > 15)
		n = 15;
	v[0] = "section";
	for (size_t k = 0; k < n; k++)
		v[k + 1] = keys[k];
	rc = rpt_csv_row(out, v, n + 1);
	json_array_foreach(list, i, o) {
		v[0] = section;
		for (size_t k = 0; k < n; k++)
			v[k + 1] = rpt_field(o, keys[k], b[k]);
		rc |= rpt_csv_row(out, v, n + 1);
	}
	return rc;
}
