/*
 * col_web_html: the dashboard's page buffer and its one escaping function.
 */
#include "col_web_html.h"
#include "rpt_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void col_html_init(struct col_html *h)
{
	memset(h, 0, sizeof *h);
}

void col_html_free(struct col_html *h)
{
	free(h->buf);
	memset(h, 0, sizeof *h);
}

char *col_html_take(struct col_html *h, size_t *len)
{
	char *b = h->failed ? NULL : h->buf;
	if (!b) {
		col_html_free(h);
		return NULL;
	}
	*len = h->len;
	memset(h, 0, sizeof *h);
	return b;
}

/* Makes room for n more bytes plus a NUL. Returns 0 or -1 (h failed). */
static int reserve(struct col_html *h, size_t n)
{
	if (h->failed)
		return -1;
	if (h->len + n + 1 <= h->cap)
		return 0;
	size_t ncap = h->cap ? h->cap : 8192;
	while (ncap < h->len + n + 1) {
		if (ncap > SIZE_MAX / 2) {
			h->failed = 1;
			return -1;
		}
		ncap *= 2;
	}
	char *nb = realloc(h->buf, ncap);
	if (!nb) {
		h->failed = 1;
		return -1;
	}
	h->buf = nb;
	h->cap = ncap;
	return 0;
}

static void put(struct col_html *h, const char *s, size_t n)
{
	if (reserve(h, n) < 0)
		return;
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len] = '\0';
}

void col_html_raw(struct col_html *h, const char *markup)
{
	put(h, markup, strlen(markup));
}

/* Invisible characters that the terminal reports let through (they do not
 * steer a terminal) but that hide differences in a page: zero-width
 * space, joiners, word joiner, invisible operators and the byte order mark.
 * Bidirectional controls and C1 controls are rpt_text_is_steering's. */
static int is_invisible(uint32_t c)
{
	return (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) || c == 0xfeff;
}

void col_html_textn(struct col_html *h, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[16];
	size_t i = 0, run = 0;   /* bytes p[i-run .. i) are copied as they are */

	if (!s)
		return;
	while (i < n) {
		const char *rep = NULL;
		size_t len = 1;
		uint32_t c;

		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (!(len = rpt_utf8_decode(p + i, n - i, &c))) {
				rep = "\xef\xbf\xbd";       /* U+FFFD for a stray byte */
				len = 1;
			} else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
				snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)c);
				rep = tmp;
			} else if (rpt_text_is_steering(c) || is_invisible(c)) {
				snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)c);
				rep = tmp;
			}
		}
		if (!rep) {
			i += len;
			run += len;
			continue;
		}
		put(h, s + i - run, run);
		put(h, rep, strlen(rep));
		run = 0;
		i += len;
	}
	put(h, s + i - run, run);
}

void col_html_text(struct col_html *h, const char *s)
{
	if (s)
		col_html_textn(h, s, strlen(s));
}

void col_html_int(struct col_html *h, long long v)
{
	char b[32];
	int n = snprintf(b, sizeof b, "%lld", v);
	col_html_textn(h, b, (size_t)n);
}

void col_html_num(struct col_html *h, double v, int decimals)
{
	char b[64];
	int n = snprintf(b, sizeof b, "%.*f", decimals, v);
	if (n > 0 && (size_t)n < sizeof b)
		col_html_textn(h, b, (size_t)n);
}

void col_html_url_arg(struct col_html *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char b[3 * 64];
	size_t k = 0;

	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (k + 3 > sizeof b) {
			col_html_textn(h, b, k);
			k = 0;
		}
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			b[k++] = (char)*p;
		} else {
			b[k++] = '%';
			b[k++] = hex[*p >> 4];
			b[k++] = hex[*p & 15];
		}
	}
	col_html_textn(h, b, k);
}
