/*
 * rpt_field: tolerant reads of collector documents for the renderers.
 */
#include "rpt_field.h"

#include "vg_time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *rpt_num_text(double v, char buf[RPT_FIELD_BUF])
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, RPT_FIELD_BUF, "%.0f", v);
	else
		snprintf(buf, RPT_FIELD_BUF, "%.1f", v);
	return buf;
}

const char *rpt_field(const json_t *o, const char *key, char buf[RPT_FIELD_BUF])
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, RPT_FIELD_BUF, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		return rpt_num_text(json_real_value(v), buf);
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return NULL;
	}
}

const char *rpt_field_or(const json_t *o, const char *key, char buf[RPT_FIELD_BUF], const char *none)
{
	const char *s = rpt_field(o, key, buf);
	return s ? s : none;
}

double rpt_field_num(const json_t *o, const char *key, double def)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_number(v) ? json_number_value(v) : def;
}

const char *rpt_short_time(const char *iso, char buf[RPT_FIELD_BUF])
{
	char full[VG_TIME_LEN];
	int64_t ms;

	if (!iso || vg_time_parse(iso, &ms) < 0)
		return iso;
	vg_time_format(ms, full);
	memcpy(buf, full, 16);
	buf[10] = ' ';
	buf[16] = '\0';
	return buf;
}
