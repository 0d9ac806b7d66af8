/*
 * col_store: the collector's storage interface.
 *
 * Everything the collector keeps (agents, officers, events, quarantine,
 * anomalies) goes through these functions, which dispatch to a backend's
 * operation table. SQLite (col_store_sqlite.c) is the embedded default;
 * another backend implements the same table.
 *
 * Writes happen inside col_store_begin() .. col_store_commit(): one
 * transaction per ingest request, serialised across threads, so that an
 * acknowledged batch is durable as a whole. Queries may run concurrently
 * with a write transaction and see only committed data.
 */
#ifndef COL_STORE_H
#define COL_STORE_H

#include "vg_anomaly.h"
#include "vg_event.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum col_role { COL_ROLE_AGENT, COL_ROLE_OFFICER, COL_ROLE_POLICY, COL_ROLE_AUDITOR, COL_ROLE_ADMIN,
                COL_ROLE_COUNT };

const char *col_role_name(enum col_role r);
int col_role_parse(const char *s);       /* officer roles only; -1 otherwise */

/* Who a bearer token belongs to. For agents, name is the enrolled host. */
struct col_principal {
	enum col_role role;
	int64_t id;
	char name[256];
};

struct col_event_ref {
	int64_t agent, seq;
};


/* An anomaly as detection reports it for one event. Events of the same
 * incident (same incident key) are recorded as one anomaly with a count and
 * a time range. */
struct col_anomaly {
	const char *incident;             /* grouping key, see col_detect_incident_key */
	const char *kind;
	int severity;                     /* enum vg_severity */
	double score;
	int64_t time_ms, detected_ms;
	const char *person;               /* NULL for an unknown account */
	const char *account, *host;
	const char *summary;
	const char *const *reasons;
	int nreasons;
	const struct col_event_ref *events;
	size_t nevents;
	long long policy_serial;
};

/* Filters for queries; NULL / -1 / 0 mean "any". */
struct col_event_filter {
	const char *host, *user, *kind;
	int64_t agent;                    /* -1 = any */
	int64_t since_ms, until_ms;       /* -1 = open */
	int limit;
};

struct col_anomaly_filter {
	const char *kind, *person, *status;
	int min_severity;                 /* -1 = any */
	int64_t since_ms, until_ms;
	int limit;
};

/* One triage step by an officer: the new status (enum vg_status), who the
 * anomaly is assigned to (NULL keeps the current assignee), and the note
 * that explains the step. */
struct col_triage {
	int status;
	const char *assignee;
	const char *note;
	const char *officer;              /* the officer's name, from the token */
	int64_t time_ms;
};

struct col_store;

struct col_store_ops {
	void (*close)(struct col_store *);
	int (*agent_add)(struct col_store *, const char *host, const char *token_hash, int64_t *id);
	int (*officer_add)(struct col_store *, const char *name, enum col_role role,
	                   const char *token_hash, int64_t *id);
	int (*principal_find)(struct col_store *, const char *token_hash, struct col_principal *out);
	int (*begin)(struct col_store *);
	int (*commit)(struct col_store *);
	void (*rollback)(struct col_store *);
	int (*event_insert)(struct col_store *, int64_t agent, const struct vg_event *ev,
	                    const char *json, size_t jsonlen, int64_t received_ms,
	                    const char *enrolled_host);
	int (*quarantine_insert)(struct col_store *, int64_t agent, int64_t received_ms,
	                         const char *reason, const char *raw, size_t rawlen);
	int (*anomaly_record)(struct col_store *, const struct col_anomaly *a, int64_t *id);
	int (*agent_high_seq)(struct col_store *, int64_t agent, int64_t *seq);
	json_t *(*events_query)(struct col_store *, const struct col_event_filter *f);
	json_t *(*anomalies_query)(struct col_store *, const struct col_anomaly_filter *f);
	json_t *(*anomaly_get)(struct col_store *, int64_t id);
	json_t *(*quarantine_query)(struct col_store *, int limit);
	int (*anomaly_triage)(struct col_store *, int64_t id, const struct col_triage *t);
};

struct col_store {
	const struct col_store_ops *ops;
	char err[512];                    /* the last error, with context */
};

/* Opens the SQLite backend at path, creating and migrating the schema.
 * Returns NULL with the reason in err. */
struct col_store *col_store_sqlite_open(const char *path, char *err, size_t errlen);

/* The last error of s, for logs. */
static inline const char *col_store_error(const struct col_store *s) { return s->err; }

/* Thin dispatchers; each returns what the operation table documents:
 * 0 on success and -1 on error (with col_store_error set), except
 * principal_find (1 found, 0 not found) and event_insert (1 stored,
 * 0 duplicate). Query functions return a new JSON array or NULL on error. */
static inline void col_store_close(struct col_store *s) { if (s) s->ops->close(s); }
static inline int col_store_agent_add(struct col_store *s, const char *host, const char *hash, int64_t *id)
{ return s->ops->agent_add(s, host, hash, id); }
static inline int col_store_officer_add(struct col_store *s, const char *name, enum col_role role,
                                        const char *hash, int64_t *id)
{ return s->ops->officer_add(s, name, role, hash, id); }
static inline int col_store_principal_find(struct col_store *s, const char *hash, struct col_principal *p)
{ return s->ops->principal_find(s, hash, p); }
static inline int col_store_begin(struct col_store *s) { return s->ops->begin(s); }
static inline int col_store_commit(struct col_store *s) { return s->ops->commit(s); }
static inline void col_store_rollback(struct col_store *s) { s->ops->rollback(s); }
/* enrolled_host is the agent's enrolled host when the event names another
 * host (a mismatch worth a look), NULL otherwise. */
static inline int col_store_event_insert(struct col_store *s, int64_t agent, const struct vg_event *ev,
                                         const char *json, size_t len, int64_t received_ms,
                                         const char *enrolled_host)
{ return s->ops->event_insert(s, agent, ev, json, len, received_ms, enrolled_host); }
static inline int col_store_quarantine_insert(struct col_store *s, int64_t agent, int64_t received_ms,
                                              const char *reason, const char *raw, size_t rawlen)
{ return s->ops->quarantine_insert(s, agent, received_ms, reason, raw, rawlen); }
/* Records a into its incident: returns 1 when a new anomaly was created, 0
 * when an existing one grew, -1 on error. */
static inline int col_store_anomaly_record(struct col_store *s, const struct col_anomaly *a, int64_t *id)
{ return s->ops->anomaly_record(s, a, id); }
static inline int col_store_agent_high_seq(struct col_store *s, int64_t agent, int64_t *seq)
{ return s->ops->agent_high_seq(s, agent, seq); }
static inline json_t *col_store_events_query(struct col_store *s, const struct col_event_filter *f)
{ return s->ops->events_query(s, f); }
static inline json_t *col_store_anomalies_query(struct col_store *s, const struct col_anomaly_filter *f)
{ return s->ops->anomalies_query(s, f); }
static inline json_t *col_store_anomaly_get(struct col_store *s, int64_t id)
{ return s->ops->anomaly_get(s, id); }
static inline json_t *col_store_quarantine_query(struct col_store *s, int limit)
{ return s->ops->quarantine_query(s, limit); }

/* Applies a triage step to anomaly id and appends it to the anomaly's
 * history, in one transaction. Returns 1, 0 when there is no such anomaly,
 * -1 on error. */
static inline int col_store_anomaly_triage(struct col_store *s, int64_t id, const struct col_triage *t)
{ return s->ops->anomaly_triage(s, id, t); }

#endif
