/*
 * rpt_table: the two tabular shapes every report has, an aligned text table
 * for a terminal and CSV rows for a spreadsheet.
 *
 * A report builds an rpt_table row by row from raw data strings; the table
 * sanitizes each cell (rpt_text), then lays the columns out to a given width
 * when printed. CSV rows are written field by field with the same
 * sanitizing, RFC 4180 quoting and a guard against formula injection.
 */
#ifndef RPT_TABLE_H
#define RPT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct rpt_column {
	const char *title;
	/* The narrowest the column may be cut to when the line is too wide
	 * (it is never wider than its widest cell or title); use
	 * RPT_COLUMN_NO_SHRINK for columns that must never be cut (ids,
	 * times). */
	size_t min_width;
	/* Printed on a line of its own under the row, indented to the second
	 * column and cut to the line width, for long free text such as a
	 * summary; it has no header. Such columns come after the others. */
	bool below;
};

#define RPT_COLUMN_NO_SHRINK ((size_t)-1)

struct rpt_table;

/* Creates an empty table with ncols columns; cols must outlive the table.
 * Returns NULL when memory runs out. */
struct rpt_table *rpt_table_new(const struct rpt_column *cols, size_t ncols);

void rpt_table_free(struct rpt_table *t);

/* Appends the next cell, filling rows left to right. s[0..len) is raw data
 * (NULL for an absent value, shown as "-"). style is an ANSI SGR parameter
 * string such as "1;31", applied only when the table is printed in colour;
 * it must be a constant that outlives the table. Returns 0, or -1 when
 * memory runs out. */
int rpt_table_add(struct rpt_table *t, const char *s, size_t len, const char *style);

/* Number of complete rows. */
size_t rpt_table_rows(const struct rpt_table *t);

/* Prints the header and the rows in at most `width` columns per line when
 * the columns' minimum widths allow it, cutting the widest shrinkable
 * column first, one character at a time. Returns 0, or -1 on a write error
 * or when memory runs out. */
int rpt_table_print(const struct rpt_table *t, FILE *out, size_t width, bool color);

/* Writes one CSV field of a row: a comma first unless it is the row's first
 * field, the sanitized text, a leading ' when the text starts with = + - @
 * tab or CR (so a spreadsheet shows it rather than evaluating it), and
 * double quotes when it contains a comma, quote or line break. s may be NULL
 * (an empty field). Returns 0, or -1 on a write error or out of memory. */
int rpt_csv_field(FILE *out, const char *s, size_t len, bool first);

/* Ends a CSV row with CRLF, as RFC 4180 asks. Returns 0 or -1. */
int rpt_csv_end_row(FILE *out);

/* Writes a whole CSV row of n fields (NULL fields are empty). 0 or -1. */
int rpt_csv_row(FILE *out, const char *const *fields, size_t n);

/* Writes one section of a multi-part CSV report: a header row "section",
 * keys[0..n), then one row per object of list: the section name and each
 * member as text (rpt_field). n is at most 15. Returns 0 or -1. */
int rpt_csv_section(FILE *out, const char *section, const json_t *list, const char *const *keys,
                    size_t n);

#endif
