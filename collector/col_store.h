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
                COL_ROLE_VETTING, COL_ROLE_COUNT };

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

/* One anomaly as the risk score reads it (col_risk.c); person is valid only
 * during the callback. */
struct col_risk_row {
	int64_t id, count, time_ms, last_ms;
	int severity;                     /* enum vg_severity */
	int kind;                         /* enum vg_akind, -1 when unknown */
	const char *person;
};
/* Returns 0 to go on, -1 to stop with an error (out of memory). */
typedef int (*col_risk_row_fn)(void *ctx, const struct col_risk_row *r);
struct col_session;

/* Callbacks for reading detector state and journal records back; each
 * returns 0, or -1 to stop with an error. */
typedef int (*col_store_state_fn)(void *ctx, char kind, const char *key, const void *blob,
                                  size_t len);
typedef int (*col_store_journal_fn)(void *ctx, int64_t batch, const void *blob, size_t len);

/* An alert waiting in the outbox for one sink (col_alert.h). */
struct col_outbox_item {
	int64_t id, anomaly, queued_ms;
	int attempts;                     /* failed deliveries so far */
};

/* What an export streams: events or anomalies, as JSON lines (col_export.h). */
enum col_export_kind { COL_EXPORT_EVENTS, COL_EXPORT_ANOMALIES };
struct col_export;

/* One officer action in the access log (col_access.h): who (name, role,
 * principal id), what (method, path, the object's id, the query string),
 * when and how it ended (HTTP status). */
struct col_access {
	int64_t time_ms;
	const char *officer;
	const char *role;
	int64_t officer_id;
	const char *method, *path;
	const char *object;               /* NULL when the path names no object */
	const char *query;                /* NULL when there was none */
	int status;
};

struct col_access_filter {
	const char *officer;              /* NULL = anyone */
	int64_t since_ms, until_ms;       /* -1 = open */
	int limit;
};

struct col_ident_op;

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
	/* Behavioural detection (col_behave.h), inside the write transaction. */
	int (*state_put)(struct col_store *, char kind, const char *key, const void *blob, size_t len);
	int (*state_load)(struct col_store *, col_store_state_fn fn, void *ctx);
	int (*journal_add)(struct col_store *, int64_t batch, const void *blob, size_t len);
	int (*journal_clear)(struct col_store *);
	int (*journal_load)(struct col_store *, col_store_journal_fn fn, void *ctx);
	int (*event_get)(struct col_store *, int64_t agent, int64_t seq, char **json,
	                 int64_t *received_ms);
	/* Web dashboard (see the col_store_session_* dispatchers). */
	int (*officer_find_name)(struct col_store *, const char *name, struct col_principal *who,
	                         char *pw_hash, size_t len);
	int (*officer_password_set)(struct col_store *, int64_t officer, const char *pw_hash);
	int (*session_create)(struct col_store *, const struct col_session *sess);
	int (*session_find)(struct col_store *, const char *id_hash, struct col_session *out);
	int (*session_touch)(struct col_store *, const char *id_hash, int64_t now_ms);
	int (*session_delete)(struct col_store *, const char *id_hash);
	int (*sessions_expire)(struct col_store *, int64_t idle_before_ms, int64_t created_before_ms);
	json_t *(*anomaly_counts)(struct col_store *, int64_t since_ms, int64_t until_ms);
	json_t *(*anomaly_evidence)(struct col_store *, int64_t id, int limit);
	json_t *(*agents_health)(struct col_store *);
	/* Officer reads for risk, dossiers and the digest (col_risk.c, col_summary.c). */
	int (*latest_event_time)(struct col_store *, int64_t *ms);
	int (*risk_rows)(struct col_store *, const char *person, int64_t until_ms, col_risk_row_fn fn,
	                 void *ctx);
	json_t *(*person_activity)(struct col_store *, const char *const *accounts, size_t naccounts,
	                           int64_t since_ms, int64_t until_ms);
	int (*anomaly_event_total)(struct col_store *, const char *kind, const char *person,
	                           int64_t *total);
	/* Alerts outbox, export and the access log (see their dispatchers). */
	int (*outbox_add)(struct col_store *, int64_t anomaly, const char *sink, int64_t now_ms);
	int (*outbox_pending)(struct col_store *, const char *sink, struct col_outbox_item *items,
	                      int max);
	int (*outbox_result)(struct col_store *, int64_t id, int64_t delivered_ms, const char *error);
	struct col_export *(*export_open)(struct col_store *, enum col_export_kind kind,
	                                  int64_t since_ms, int64_t until_ms, char *err, size_t errlen);
	int (*export_next)(struct col_export *, const char **line, size_t *len);
	const char *(*export_error)(const struct col_export *);
	void (*export_close)(struct col_export *);
	int (*access_add)(struct col_store *, const struct col_access *a);
	json_t *(*access_query)(struct col_store *, const struct col_access_filter *f);
	/* Identities and the lifecycle of their tokens (col_ident.h). */
	int (*identity)(struct col_store *, struct col_ident_op *op);
	/* Tamper evidence (col_chain.h): the chain's head, for anchors. */
	int (*chain_head)(struct col_store *, int64_t *block, char hex[65]);
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

/* Detector state: one opaque record per (kind, key); blob NULL deletes it.
 * state_load calls fn for every record. The journal holds, per ingest
 * transaction, the events fed to detection since the state was last
 * written; journal_clear empties it when the state is written. All run on
 * the writer's connection, inside col_store_begin .. commit. */
static inline int col_store_state_put(struct col_store *s, char kind, const char *key,
                                      const void *blob, size_t len)
{ return s->ops->state_put(s, kind, key, blob, len); }
static inline int col_store_state_load(struct col_store *s, col_store_state_fn fn, void *ctx)
{ return s->ops->state_load(s, fn, ctx); }
static inline int col_store_journal_add(struct col_store *s, int64_t batch, const void *blob, size_t len)
{ return s->ops->journal_add(s, batch, blob, len); }
static inline int col_store_journal_clear(struct col_store *s) { return s->ops->journal_clear(s); }
static inline int col_store_journal_load(struct col_store *s, col_store_journal_fn fn, void *ctx)
{ return s->ops->journal_load(s, fn, ctx); }
/* The stored text of event (agent, seq) in *json (malloc'd) and when it was
 * received: 1 found, 0 not found, -1 error. */
static inline int col_store_event_get(struct col_store *s, int64_t agent, int64_t seq, char **json,
                                      int64_t *received_ms)
{ return s->ops->event_get(s, agent, seq, json, received_ms); }

/* ---- Web dashboard (col_web.h): officer passwords, browser sessions and
 * the aggregates its pages show. ---------------------------------------- */

/* A browser session of an officer. Only the SHA-256 of the session id that
 * the cookie carries is stored; the CSRF token goes into every form. */
struct col_session {
	char id_hash[65];                 /* hex SHA-256 of the cookie's id */
	char csrf[65];                    /* hex, 256 random bits */
	struct col_principal who;         /* the officer, as of now */
	int64_t created_ms, last_ms;
};

/* Finds the officers (roles officer, policy, auditor, admin; not revoked)
 * named name. Returns how many there are (-1 on error); when there is
 * exactly one, fills *who and copies its password hash into pw_hash (""
 * when it has none). */
static inline int col_store_officer_find_name(struct col_store *s, const char *name,
                                              struct col_principal *who, char *pw_hash, size_t len)
{ return s->ops->officer_find_name(s, name, who, pw_hash, len); }
/* Sets the password hash of officer id. Returns 1, 0 when there is no such
 * officer, -1 on error. */
static inline int col_store_officer_password_set(struct col_store *s, int64_t officer, const char *pw_hash)
{ return s->ops->officer_password_set(s, officer, pw_hash); }
/* Stores a new session (id_hash, csrf, who.id, created_ms, last_ms). 0 or -1. */
static inline int col_store_session_create(struct col_store *s, const struct col_session *sess)
{ return s->ops->session_create(s, sess); }
/* Finds the session with id_hash whose officer is not revoked: 1 found
 * (*out filled, with the officer's current name and role), 0 not, -1. */
static inline int col_store_session_find(struct col_store *s, const char *id_hash, struct col_session *out)
{ return s->ops->session_find(s, id_hash, out); }
/* Records activity on a session (its idle clock restarts). 0 or -1. */
static inline int col_store_session_touch(struct col_store *s, const char *id_hash, int64_t now_ms)
{ return s->ops->session_touch(s, id_hash, now_ms); }
/* Deletes one session (logout). 0 or -1. */
static inline int col_store_session_delete(struct col_store *s, const char *id_hash)
{ return s->ops->session_delete(s, id_hash); }
/* Deletes sessions idle since before idle_before_ms or created before
 * created_before_ms. 0 or -1. */
static inline int col_store_sessions_expire(struct col_store *s, int64_t idle_before_ms,
                                            int64_t created_before_ms)
{ return s->ops->sessions_expire(s, idle_before_ms, created_before_ms); }
/* Anomaly counts with time in [since, until) (-1 = open):
 * {"groups":[{"kind","severity","status","n"}...],
 *  "days":[{"day":"YYYY-MM-DD","severity","n"}...]}, or NULL on error. */
static inline json_t *col_store_anomaly_counts(struct col_store *s, int64_t since_ms, int64_t until_ms)
{ return s->ops->anomaly_counts(s, since_ms, until_ms); }
/* The first limit evidence events of anomaly id, oldest first, each the
 * stored event object plus "agent" and "received". NULL on error. */
static inline json_t *col_store_anomaly_evidence(struct col_store *s, int64_t id, int limit)
{ return s->ops->anomaly_evidence(s, id, limit); }
/* Every enrolled agent: {"id","host","created","revoked","high_seq",
 * "last_event","last_received","open":{kind:n}} where open counts the open
 * or acknowledged agent_silent, audit_loss and audit_tamper anomalies of
 * its host. NULL on error. */
static inline json_t *col_store_agents_health(struct col_store *s)
{ return s->ops->agents_health(s); }

/* The newest event time stored: 1 with *ms set, 0 when there are no events
 * (*ms = -1), -1 on error. */
static inline int col_store_latest_event_time(struct col_store *s, int64_t *ms)
{ return s->ops->latest_event_time(s, ms); }
/* Calls fn for every anomaly that names a person (only `person` when not
 * NULL), began at or before until_ms and is not marked false_positive,
 * ordered by person then time. fn must not call the store. 0 or -1. */
static inline int col_store_risk_rows(struct col_store *s, const char *person, int64_t until_ms,
                                      col_risk_row_fn fn, void *ctx)
{ return s->ops->risk_rows(s, person, until_ms, fn, ctx); }
/* Activity (every event attributed to one of the accounts) with
 * since_ms <= time <= until_ms:
 * {"events":N,"hosts":[{"host","events","first","last"}..] (busiest first),
 *  "hour_of_week":[7 rows, Monday first, of 24 counts, UTC]}; NULL on error. */
static inline json_t *col_store_person_activity(struct col_store *s, const char *const *accounts,
                                                size_t naccounts, int64_t since_ms, int64_t until_ms)
{ return s->ops->person_activity(s, accounts, naccounts, since_ms, until_ms); }
/* The events grouped in person's anomalies of one kind, summed (0 when
 * none). 0 or -1. */
static inline int col_store_anomaly_event_total(struct col_store *s, const char *kind,
                                                const char *person, int64_t *total)
{ return s->ops->anomaly_event_total(s, kind, person, total); }

/* ---- Alerts outbox (col_alert.h) ---------------------------------------- */

/* Queues anomaly for sink (a sink's stable name, "syslog" or "webhook:URL")
 * inside the open write transaction, so the alert commits with the anomaly.
 * An anomaly is queued at most once per sink. Returns 1 queued, 0 already
 * queued (or delivered) before, -1 on error. */
static inline int col_store_outbox_add(struct col_store *s, int64_t anomaly, const char *sink,
                                       int64_t now_ms)
{ return s->ops->outbox_add(s, anomaly, sink, now_ms); }
/* Fills items with up to max undelivered alerts of sink, oldest first.
 * Waits for a write transaction in progress to end, so an alert queued in
 * it is seen once it commits. Returns how many, or -1 on error. */
static inline int col_store_outbox_pending(struct col_store *s, const char *sink,
                                           struct col_outbox_item *items, int max)
{ return s->ops->outbox_pending(s, sink, items, max); }
/* Records a delivery attempt of outbox item id: delivered at delivered_ms,
 * or (delivered_ms < 0) failed with error. Returns 0 or -1. */
static inline int col_store_outbox_result(struct col_store *s, int64_t id, int64_t delivered_ms,
                                          const char *error)
{ return s->ops->outbox_result(s, id, delivered_ms, error); }

/* ---- Export (col_export.h) ---------------------------------------------- */

/* Opens a consistent snapshot of the events or anomalies with time in
 * [since, until) (-1 = open), oldest first, on a connection of its own so
 * that a long export holds no lock the collector needs. Returns NULL with
 * the reason in err. */
static inline struct col_export *col_store_export_open(struct col_store *s, enum col_export_kind kind,
                                                       int64_t since_ms, int64_t until_ms,
                                                       char *err, size_t errlen)
{ return s->ops->export_open(s, kind, since_ms, until_ms, err, errlen); }
/* The next object as one line of compact JSON without the newline, valid
 * until the next call: events as GET /v1/events returns them, anomalies as
 * GET /v1/anomalies/ID (with history). Returns 1, 0 at the end, -1 on error
 * (export_error says why). */
static inline int col_store_export_next(struct col_store *s, struct col_export *x, const char **line,
                                        size_t *len)
{ return s->ops->export_next(x, line, len); }
static inline const char *col_store_export_error(struct col_store *s, const struct col_export *x)
{ return s->ops->export_error(x); }
static inline void col_store_export_close(struct col_store *s, struct col_export *x)
{ if (x) s->ops->export_close(x); }

/* ---- Access log (col_access.h) ------------------------------------------ */

/* Appends one entry in its own transaction. Returns 0 or -1. */
static inline int col_store_access_add(struct col_store *s, const struct col_access *a)
{ return s->ops->access_add(s, a); }
/* Entries matching f, newest first: [{"id","time","officer","role",
 * "officer_id","method","path","object","query","status"}...], or NULL. */
static inline json_t *col_store_access_query(struct col_store *s, const struct col_access_filter *f)
{ return s->ops->access_query(s, f); }

/* ---- Tamper evidence (col_chain.h) -------------------------------------- */

/* The newest block of the chain: its number (0 when the chain is empty)
 * and its hash as 64 hex digits. Returns 0 or -1. */
static inline int col_store_chain_head(struct col_store *s, int64_t *block, char hex[65])
{ return s->ops->chain_head(s, block, hex); }

#endif
