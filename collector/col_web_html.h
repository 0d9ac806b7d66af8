/*
 * col_web_html: the dashboard's HTML is built in memory, in one buffer.
 *
 * Two kinds of text go into a page: markup the program itself spells out
 * (string literals, through col_html_raw) and everything else — names,
 * paths, summaries, notes, numbers turned to text — which goes through
 * col_html_textn, the one escaping function. It escapes the five
 * characters HTML gives meaning to, so escaped text is safe both between
 * tags and inside a quoted attribute value, and it makes control
 * characters, invalid UTF-8 and invisible or bidirectional formatting
 * characters visible instead of letting them reorder or hide what an
 * officer reads (the same guard the text reports apply).
 *
 * A failed allocation marks the buffer failed; every later call does
 * nothing and col_html_take returns NULL, so callers check once at the end.
 */
#ifndef COL_WEB_HTML_H
#define COL_WEB_HTML_H

#include <stddef.h>

struct col_html {
	char *buf;
	size_t len, cap;
	int failed;
};

void col_html_init(struct col_html *h);
void col_html_free(struct col_html *h);

/* Hands over the buffer (NUL-terminated, *len without the NUL; the caller
 * frees it), or NULL after a failed allocation; h is empty afterwards. */
char *col_html_take(struct col_html *h, size_t *len);

/* Appends markup written by the program. Never pass data through here. */
void col_html_raw(struct col_html *h, const char *markup);

/* Appends s[0..n) escaped: & < > " ' as character references; C0 controls
 * other than tab and newline and DEL as "\xNN"; what the terminal reports
 * escape as steering (C1 controls, bidirectional marks, embeddings,
 * overrides and isolates, line and paragraph separators; rpt_text.h) and
 * invisible characters (U+200B-U+200D, U+2060-U+2064, U+FEFF) as "\uNNNN";
 * bytes that are not UTF-8 as U+FFFD. */
void col_html_textn(struct col_html *h, const char *s, size_t n);

/* col_html_textn over a NUL-terminated string; NULL appends nothing. */
void col_html_text(struct col_html *h, const char *s);

/* Appends a number as text. */
void col_html_int(struct col_html *h, long long v);
void col_html_num(struct col_html *h, double v, int decimals);

/* Appends s percent-encoded for a URL query value or path segment (all but
 * A-Z a-z 0-9 - . _ ~), through col_html_textn. */
void col_html_url_arg(struct col_html *h, const char *s);

#endif
