/*
 * rpt_text: terminal-safe text, display widths and cut-to-width cells.
 *
 * The UTF-8 decoding and the width table are local and locale-free on
 * purpose: a report must neither depend on the officer's LC_CTYPE nor trust
 * the C library to agree with the decoder that vetted the string.
 */
#include "rpt_text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t rpt_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool rpt_text_is_steering(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) ||	      /* C1 controls (CSI is 0x9b) */
	       c == 0x061c ||			      /* Arabic letter mark */
	       c == 0x200e || c == 0x200f ||	      /* LRM, RLM */
	       c == 0x2028 || c == 0x2029 ||	      /* line, paragraph separator */
	       (c >= 0x202a && c <= 0x202e) ||	      /* embeddings, overrides */
	       (c >= 0x2066 && c <= 0x2069);	      /* isolates */
}

char *rpt_text_sanitize(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *in = (const unsigned char *)s;
	char *out, *o;

	/* Worst case: each byte becomes "\xNN" (4 bytes); a 2-byte C1 control
	 * becomes "\u0085" (6 bytes, 3 per byte). */
	if (len > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(len * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t n = rpt_utf8_decode(in + i, len - i, &c);

		if (n == 0 || c < 0x20 || c == 0x7f) {
			unsigned char b = in[i];

			*o++ = '\\';
			if (n && c == '\t') {
				*o++ = 't';
			} else if (n && c == '\n') {
				*o++ = 'n';
			} else if (n && c == '\r') {
				*o++ = 'r';
			} else {
				*o++ = 'x';
				*o++ = hex[b >> 4];
				*o++ = hex[b & 15];
			}
			i++;
		} else if (rpt_text_is_steering(c)) {
			*o++ = '\\';
			*o++ = 'u';
			for (int shift = 12; shift >= 0; shift -= 4)
				*o++ = hex[(c >> shift) & 15];
			i += n;
		} else {
			memcpy(o, in + i, n);
			o += n;
			i += n;
		}
	}
	*o = '\0';
	return out;
}

struct cp_range {
	uint32_t lo, hi;
};

static bool in_ranges(uint32_t c, const struct cp_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c >= r[i].lo && c <= r[i].hi)
			return true;
	return false;
}

/* Columns one code point takes. An approximation of wcwidth() that covers
 * the scripts person names and host names are written in. */
static size_t cp_width(uint32_t c)
{
	static const struct cp_range zero[] = {
		{0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd},
		{0x0610, 0x061a}, {0x064b, 0x065f}, {0x0e31, 0x0e31},
		{0x0e34, 0x0e3a}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff},
		{0x200b, 0x200d}, {0x20d0, 0x20ff}, {0xfe00, 0xfe0f},
		{0xfe20, 0xfe2f}, {0xfeff, 0xfeff}, {0xe0100, 0xe01ef},
	};
	static const struct cp_range wide[] = {
		{0x1100, 0x115f}, {0x2e80, 0x303e}, {0x3041, 0x33ff},
		{0x3400, 0x4dbf}, {0x4e00, 0x9fff}, {0xa000, 0xa4cf},
		{0xac00, 0xd7a3}, {0xf900, 0xfaff}, {0xfe30, 0xfe4f},
		{0xff00, 0xff60}, {0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
		{0x1f900, 0x1f9ff}, {0x20000, 0x3fffd},
	};

	if (c < 0x300)
		return 1;
	if (in_ranges(c, zero, sizeof zero / sizeof zero[0]))
		return 0;
	if (in_ranges(c, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

/* Walks s, returning the number of bytes of the longest prefix that fits in
 * `limit` columns and storing that prefix's width in *cols. */
static size_t fit_prefix(const char *s, size_t limit, size_t *cols)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, w = 0;

	while (i < len) {
		uint32_t c;
		size_t n = rpt_utf8_decode(p + i, len - i, &c);
		size_t cw;

		if (n == 0) /* not from rpt_text_sanitize; count the byte */
			n = 1, c = '?';
		cw = cp_width(c);
		if (w + cw > limit)
			break;
		w += cw;
		i += n;
	}
	*cols = w;
	return i;
}

size_t rpt_text_width(const char *s)
{
	size_t cols;

	fit_prefix(s, SIZE_MAX, &cols);
	return cols;
}

int rpt_text_put_cell(FILE *out, const char *s, size_t width, bool pad)
{
	static const char ellipsis[] = "\u2026";
	size_t cols, n;

	if (rpt_text_width(s) <= width) {
		n = fit_prefix(s, width, &cols);
		fwrite(s, 1, n, out);
	} else if (width > 0) {
		n = fit_prefix(s, width - 1, &cols);
		fwrite(s, 1, n, out);
		fputs(ellipsis, out);
		cols++;
	} else {
		cols = 0;
	}
	if (pad)
		for (; cols < width; cols++)
			fputc(' ', out);
	return ferror(out) ? -1 : 0;
}

bool rpt_text_want_color(FILE *out, const char *no_color_env)
{
	int fd = fileno(out);

	return no_color_env == NULL && fd >= 0 && isatty(fd);
}

int rpt_text_sparkline(FILE *out, const double *v, size_t n, double max, size_t width)
{
	static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588"};
	size_t cols = n < width ? n : width;

	for (size_t c = 0; c < cols; c++) {
		size_t i = cols == 1 ? n - 1 : (c * (n - 1) + (cols - 1) / 2) / (cols - 1);
		double x = max > 0 ? v[i] / max : 0;
		int level = x <= 0 ? 0 : x >= 1 ? 7 : (int)(x * 8);

		fputs(blocks[level > 7 ? 7 : level], out);
	}
	return ferror(out) ? -1 : 0;
}
