/*
 * rpt_field: reading a member of a collector document as display text.
 *
 * Reports trust the collector to speak the API, not the shape of every
 * value: a member may be missing, null, or of an unexpected type. These
 * helpers turn any of that into text or a number without failing, so a
 * renderer shows "-" (or 0) rather than crashing on a surprise.
 */
#ifndef RPT_FIELD_H
#define RPT_FIELD_H

#include <jansson.h>
#include <stdint.h>

#define RPT_FIELD_BUF 48

/* The member key of o as text: a string as it is, an integer in decimal, a
 * real with up to one decimal when it has a fraction, true/false; NULL
 * when missing, null, an object or an array. buf holds formatted numbers. */
const char *rpt_field(const json_t *o, const char *key, char buf[RPT_FIELD_BUF]);

/* The same with `none` instead of NULL. */
const char *rpt_field_or(const json_t *o, const char *key, char buf[RPT_FIELD_BUF], const char *none);

/* A member as a number (integer or real); def when it is neither. */
double rpt_field_num(const json_t *o, const char *key, double def);

/* A number formatted for people: integers without a fraction, others with
 * one decimal. */
const char *rpt_num_text(double v, char buf[RPT_FIELD_BUF]);

/* An event-format timestamp as "YYYY-MM-DD HH:MM" (UTC); anything else is
 * returned as it is (NULL stays NULL). */
const char *rpt_short_time(const char *iso, char buf[RPT_FIELD_BUF]);

#endif
