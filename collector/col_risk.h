/*
 * col_risk: a risk score per person, its history, and the person dossier.
 *
 * A person's score is computed on demand from the anomalies table (no
 * stored score to drift from the evidence): every anomaly naming the
 * person, except those triaged false_positive, contributes
 *
 *     weight(severity) x (1 + 0.25 log2(count)) x 0.5^(age / half_life)
 *
 * with weights low 1, medium 4, high 12, critical 30, count the number of
 * events the incident grouped, and age the time from the incident's last
 * event to the moment scored. The sum s maps to 0..100 as
 * 100 (1 - e^(-s/25)), rounded to 0.1. The half-life comes from the
 * policy (thresholds.risk.half_life, default 14 days).
 *
 * The moment scored ("at") defaults to the newest event time stored, not
 * the wall clock, so that a replayed stream from last year scores as it
 * did then. The history is the score at the end of each UTC day for the
 * last N days, the last point being "at" itself (so it equals the score).
 * For a past day an incident counts if it began by then, with its last
 * event capped at that day and its stored count.
 */
#ifndef COL_RISK_H
#define COL_RISK_H

#include "col_server.h"

#include <jansson.h>
#include <stdint.h>

#define COL_RISK_DEFAULT_LIMIT 50
#define COL_RISK_MAX_LIMIT 10000
#define COL_RISK_DEFAULT_DAYS 30
#define COL_RISK_MAX_DAYS 366
#define COL_RISK_TOP 5                   /* contributing anomalies listed per person */
#define COL_DOSSIER_DEFAULT_ANOMALIES 50
#define COL_DOSSIER_DEFAULT_ACTIVITY_DAYS 90
#define COL_DOSSIER_MAX_ACTIVITY_DAYS 366

/* ---- The arithmetic (pure; unit-tested) ---------------------------------- */

/* Weight of a severity (enum vg_severity): 1, 4, 12, 30; 0 when unknown. */
double col_risk_weight(int severity);

/* What one anomaly adds to a person's sum: weight x count factor x decay.
 * count below 1 counts as 1; a negative age (an incident still running
 * after the moment scored) counts as 0; half_life_ms must be > 0. */
double col_risk_contribution(int severity, int64_t count, int64_t age_ms, int64_t half_life_ms);

/* Maps a sum of contributions to the 0..100 score, rounded to 0.1. */
double col_risk_score(double sum);

/* ---- Reports (JSON; the web pages and GET /v1/risk, /v1/persons/ID) ------ */

struct col_risk_opts {
	int64_t at_ms;          /* < 0: the newest event time stored */
	int limit;              /* persons listed; <= 0: COL_RISK_DEFAULT_LIMIT */
	int days;               /* history length; <= 0: COL_RISK_DEFAULT_DAYS */
	const char *person;     /* only this person; NULL: everyone */
};

/* Persons ranked by score (highest first; ties by person id), each with
 * name, score, trend and top contributing anomalies:
 *   {"at","half_life_days","days","persons":[{"person","name","score",
 *    "anomalies_counted","trend":[{"day","score"}...],
 *    "anomalies":[{"id","kind","severity","time","count","contribution"}...]}...]}
 * Only persons with at least one counted anomaly are listed, except that a
 * person asked for by id is always listed (score 0 when nothing counts).
 * Returns a new object, or NULL on error (logged). */
json_t *col_risk_rank_opts(struct col_server *srv, const struct col_risk_opts *o);

/* The same with the default history length. at_ms < 0 and limit <= 0 mean
 * the defaults; person_or_NULL restricts the list to one person. */
json_t *col_risk_rank(struct col_server *srv, int64_t at_ms, int limit, const char *person_or_NULL);

struct col_dossier_opts {
	int64_t at_ms;          /* < 0: the newest event time stored */
	int anomaly_limit;      /* <= 0: COL_DOSSIER_DEFAULT_ANOMALIES */
	int days;               /* risk history; <= 0: COL_RISK_DEFAULT_DAYS */
	int activity_days;      /* hosts used and hour-of-week window, ending at
	                         * "at"; <= 0: COL_DOSSIER_DEFAULT_ACTIVITY_DAYS */
};

/* Everything known about one person:
 *   {"person","name","in_policy","at","accounts":[..],"groups":[..],
 *    "clearance":{"level","status","granted","review_due","investigated",
 *                 "interim_expires","nda_signed"},
 *    "compartments":[{"name","read_on","debriefed"}..],"hosts":[globs],
 *    "schedule", "activity":{"since","until","events","hosts":[{"host",
 *    "events","first","last"}..],"hour_of_week":[7 x [24 counts]] (Monday
 *    first, UTC)}, "anomalies":[anomaly..] (newest first),
 *    "risk":{"score","half_life_days","anomalies_counted","trend":[..],
 *            "top":[..]}}
 * Policy facts are null when the person is no longer in the policy but
 * anomalies still name them. Returns a new object, json_null() when the
 * person is neither in the policy nor named by any anomaly, or NULL on
 * error (logged). */
json_t *col_person_dossier_opts(struct col_server *srv, const char *person,
                                const struct col_dossier_opts *o);

/* The same with the default limits; at_ms < 0 means the newest event. */
json_t *col_person_dossier(struct col_server *srv, const char *person, int64_t at_ms);

/* ---- HTTP handlers (col_http.c routes) ----------------------------------- */

struct MHD_Connection;
struct col_reply;

/* GET /v1/risk?limit=&at=&person=&days= */
void col_api_risk(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r);

/* GET /v1/persons/ID?at=&limit=&days=&activity_days=; id is what follows
 * "/v1/persons/". 404 for an unknown person. */
void col_api_person(struct col_server *srv, struct MHD_Connection *c, const char *id,
                    struct col_reply *r);

#endif
