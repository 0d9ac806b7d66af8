/*
 * rpt_text: making collector data safe and measurable for a terminal.
 *
 * Every string a report shows came, at some remove, from a monitored host:
 * a host name, an account, a path inside a summary. A hostile host could put
 * terminal escapes (ESC [ ... ), bidirectional overrides or raw newlines in
 * them to hide or forge report lines. Reports therefore pass every data
 * string through rpt_text_sanitize before printing it, and measure and cut
 * the result with the functions below, which count display columns rather
 * than bytes so that tables stay aligned with non-ASCII names.
 */
#ifndef RPT_TEXT_H
#define RPT_TEXT_H

#include "vg_error.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Returns a newly allocated, NUL-terminated copy of s[0..len) that is valid
 * UTF-8 and holds no character a terminal would act on. Such characters are
 * written as visible escapes, so the evidence stays readable: tab, newline
 * and carriage return as \t \n \r; other C0 controls, DEL and bytes that are
 * not valid UTF-8 as \xNN; C1 controls, bidirectional controls and the line
 * and paragraph separators as \uNNNN. s may contain NUL bytes (shown as \x00).
 * Returns NULL only when memory runs out; the caller frees the result. */
char *rpt_text_sanitize(const char *s, size_t len);

/* Decodes one UTF-8 sequence at s (len > 0 bytes available). Returns its
 * length and sets *cp, or 0 when the bytes are not valid UTF-8 (truncated,
 * overlong, a surrogate or beyond U+10FFFF). */
size_t rpt_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Whether code point cp steers the terminal beyond its own glyph although it
 * is not a C0 control: C1 controls, bidirectional marks, embeddings,
 * overrides and isolates, and the line and paragraph separators. */
bool rpt_text_is_steering(uint32_t cp);

/* Display columns taken by the UTF-8 string s (as rpt_text_sanitize returns
 * it): combining marks take none, East Asian wide characters and emoji two,
 * everything else one. */
size_t rpt_text_width(const char *s);

/* Writes s in at most `width` columns: when it is wider it is cut and ends
 * in an ellipsis; when pad is true it is then padded with spaces to exactly
 * `width` columns. Returns 0, or -1 when the stream reports an error. */
int rpt_text_put_cell(FILE *out, const char *s, size_t width, bool pad);

/* Decides whether output to `out` may carry ANSI colours: only when it is a
 * terminal and no_color_env (the value of $NO_COLOR, possibly NULL) is
 * unset. */
bool rpt_text_want_color(FILE *out, const char *no_color_env);

/* Writes a sparkline of v[0..n) scaled to 0..max with the block elements
 * U+2581..U+2588, one column per value; with more than width values, width
 * of them evenly spaced (the first and last always). Returns 0 or -1. */
int rpt_text_sparkline(FILE *out, const double *v, size_t n, double max, size_t width);

#endif
