/*
 * vg_time: RFC 3339 millisecond timestamps and civil-date arithmetic.
 *
 * Parsing is by hand on purpose: the format is fixed, strptime is locale- and
 * TZ-dependent, and the ingest path parses one timestamp per event.
 */
#include "vg_time.h"

#include <string.h>
#include <time.h>

/* Howard Hinnant's days-from-civil algorithm (public domain). */
int64_t vg_days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void vg_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

static int days_in_month(int y, unsigned m)
{
	static const unsigned char dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Reads exactly n decimal digits at s; returns the value or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parses "YYYY-MM-DD" at s into days since the epoch. */
static int parse_date_part(const char *s, int64_t *days)
{
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || s[4] != '-' || s[7] != '-')
		return -1;
	if (d > days_in_month(y, (unsigned)m))
		return -1;
	*days = vg_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

int vg_date_parse(const char *s, int64_t *ms)
{
	int64_t days;
	if (!s || strlen(s) != 10 || parse_date_part(s, &days) < 0)
		return -1;
	*ms = days * VG_MS_PER_DAY;
	return 0;
}

/* Parses "HH:MM[:SS[.mmm]]" at s; sets *consumed. */
static int parse_clock(const char *s, int64_t *ms, size_t *consumed, int need_secs, int need_ms)
{
	int h = digits(s, 2), mi = digits(s + 3, 2), sec = 0, frac = 0;
	size_t n = 5;
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || s[2] != ':')
		return -1;
	if (s[5] == ':') {
		sec = digits(s + 6, 2);
		if (sec < 0 || sec > 59)
			return -1;
		n = 8;
		if (s[8] == '.') {
			frac = digits(s + 9, 3);
			if (frac < 0)
				return -1;
			n = 12;
		} else if (need_ms) {
			return -1;
		}
	} else if (need_secs) {
		return -1;
	}
	*ms = ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
	*consumed = n;
	return 0;
}

int vg_time_parse(const char *s, int64_t *ms)
{
	int64_t days, clock;
	size_t n;
	if (!s || strlen(s) != VG_TIME_LEN - 1 || parse_date_part(s, &days) < 0 || s[10] != 'T')
		return -1;
	if (parse_clock(s + 11, &clock, &n, 1, 1) < 0 || n != 12 || s[23] != 'Z')
		return -1;
	*ms = days * VG_MS_PER_DAY + clock;
	return 0;
}

int vg_time_parse_loose(const char *s, int64_t *ms)
{
	int64_t days, clock;
	size_t n, len;
	if (!s)
		return -1;
	len = strlen(s);
	if (len < 10 || parse_date_part(s, &days) < 0)
		return -1;
	if (len == 10) {
		*ms = days * VG_MS_PER_DAY;
		return 0;
	}
	if (s[10] != 'T' && s[10] != ' ')
		return -1;
	if (len < 16 || parse_clock(s + 11, &clock, &n, 0, 0) < 0)
		return -1;
	const char *rest = s + 11 + n;
	if (!(rest[0] == '\0' || (rest[0] == 'Z' && rest[1] == '\0')))
		return -1;
	*ms = days * VG_MS_PER_DAY + clock;
	return 0;
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void vg_date_format(int64_t ms, char out[11])
{
	int y;
	unsigned m, d;
	int64_t days = ms >= 0 ? ms / VG_MS_PER_DAY : -((-ms + VG_MS_PER_DAY - 1) / VG_MS_PER_DAY);
	vg_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	put2(out, (unsigned)y / 100);
	put2(out + 2, (unsigned)y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = '\0';
}

void vg_time_format(int64_t ms, char out[VG_TIME_LEN])
{
	if (ms < 0)
		ms = 0;
	int64_t t = ms % VG_MS_PER_DAY;
	vg_date_format(ms, out);
	out[10] = 'T';
	put2(out + 11, (unsigned)(t / 3600000));
	out[13] = ':';
	put2(out + 14, (unsigned)(t / 60000 % 60));
	out[16] = ':';
	put2(out + 17, (unsigned)(t / 1000 % 60));
	out[19] = '.';
	out[20] = (char)('0' + t % 1000 / 100);
	put2(out + 21, (unsigned)(t % 100));
	out[23] = 'Z';
	out[24] = '\0';
}

int vg_time_weekday(int64_t ms)
{
	int64_t days = ms >= 0 ? ms / VG_MS_PER_DAY : -((-ms + VG_MS_PER_DAY - 1) / VG_MS_PER_DAY);
	/* 1970-01-01 was a Thursday (Monday = 0 -> Thursday = 3). */
	int64_t w = (days + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

int64_t vg_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t vg_time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
