/*
 * pol: the clearance and need-to-know policy model and its decision engine.
 *
 * A policy is loaded once from libconfig source (see docs/policy.md and
 * ../shared/DESIGN.md "Policy core format"), checked completely, and compiled
 * into read-only lookup structures: accounts hashed to persons, resources by
 * path prefix (hash of every '/'-ended ancestor) and by glob, hosts by glob.
 * A compiled policy is immutable, so any number of threads may call
 * pol_decide() on it concurrently; reload means loading a new one and
 * swapping the pointer.
 *
 * The collector, the agent and the vigil-policy CLI all link this library.
 */
#ifndef POL_H
#define POL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pol_policy;
struct pol_person;
struct pol_resource;
struct pol_host;
struct pol_exception;

/* ---- Diagnostics -------------------------------------------------------- */

enum pol_diag_level { POL_DIAG_ERROR, POL_DIAG_WARNING };

struct pol_diag_item {
	enum pol_diag_level level;
	char *text;                 /* "file:line: message", owned */
	unsigned file_index;        /* 0 = the policy file, 1.. = @include files */
	unsigned line;              /* source line, 0 when not known */
};

/* Everything a load found wrong, errors and warnings, in source order. */
struct pol_diag {
	struct pol_diag_item *items;
	size_t n, cap;
	size_t errors, warnings;
};

void pol_diag_init(struct pol_diag *d);
void pol_diag_free(struct pol_diag *d);

/* Prints every item, one per line, to f. */
void pol_diag_print(const struct pol_diag *d, FILE *f);

/* ---- Loading ------------------------------------------------------------ */

/* Loads and compiles the policy at path. Returns 0 and sets *out when there
 * are no errors (warnings may be present in diag), -1 otherwise; every
 * problem found is appended to diag, not just the first. diag may be NULL.
 * A schedule in a named time zone ("Europe/London") is resolved here: TZ is
 * pointed at the zone for a moment (tzset/localtime_r) and then restored,
 * so call pol_load where no other thread reads the environment or local
 * time; a multi-threaded caller uses pol_load_isolated, which loads in a
 * child process. pol_decide itself never touches TZ. */
int pol_load(const char *path, struct pol_policy **out, struct pol_diag *diag);

/* As pol_load, with "now" given (ms since the epoch) for the warnings that
 * depend on the date, e.g. a review already past due. Tests and
 * `vigil-policy check --now` use it; pol_load passes the wall clock. */
int pol_load_at(const char *path, int64_t now_ms, struct pol_policy **out,
                struct pol_diag *diag);

/* As pol_load, but parses and compiles in a short-lived child process, so
 * that the parser's memory (about ten times the file) never enters the
 * caller: the compiled policy is handed back in a shared mapping at the
 * same address. For the collector, which must stay within its memory
 * budget while (re)loading large policies. Falls back to pol_load when
 * fork() is not possible. Free the result with pol_free as usual. */
int pol_load_isolated(const char *path, struct pol_policy **out, struct pol_diag *diag);
int pol_load_isolated_at(const char *path, int64_t now_ms, struct pol_policy **out,
                         struct pol_diag *diag);

void pol_free(struct pol_policy *p);

const char *pol_id(const struct pol_policy *p);
long long pol_serial(const struct pol_policy *p);
/* SHA-256, as 64 lowercase hex digits, of the bytes of the policy file and
 * every @include'd file, concatenated in the order they were first read. */
const char *pol_source_hash(const struct pol_policy *p);
size_t pol_person_count(const struct pol_policy *p);
size_t pol_resource_count(const struct pol_policy *p);

/* ---- Decisions ---------------------------------------------------------- */

/* What the subject is doing. Logins are checked against host rules; access
 * against the resource covering req->path. */
enum pol_action {
	POL_ACT_LOGIN,      /* authentication success, session open */
	POL_ACT_READ,       /* file access, by op */
	POL_ACT_WRITE,
	POL_ACT_EXEC,
	POL_ACT_ATTR,
	POL_ACT_PRIVILEGE,  /* su, sudo */
	POL_ACT_MEDIA,      /* removable media mount */
	POL_ACT_OTHER       /* any other activity attributed to the account */
};

struct pol_request {
	const char *account;        /* required */
	const char *host;           /* NULL when unknown */
	const char *path;           /* NULL when not a file action */
	int64_t time_ms;            /* event time, ms since epoch UTC */
	enum pol_action action;
	const char *target_account; /* for POL_ACT_PRIVILEGE: whom they became; may be NULL */
	/* For POL_ACT_PRIVILEGE: the tool, e.g. the PAM service "sudo" or "su"
	 * ("sudo-i" and "su-l" count as sudo and su). NULL: the basename of path
	 * is used instead. May be NULL. */
	const char *service;
};

/* Which anomaly kind a reason belongs to. */
enum pol_class {
	POL_CLASS_UNKNOWN_ACCOUNT,  /* unknown_account */
	POL_CLASS_CLEARANCE,        /* clearance_exceeded */
	POL_CLASS_NEED_TO_KNOW,     /* need_to_know */
	POL_CLASS_VETTING,          /* vetting_lapsed */
	POL_CLASS_HOST,             /* host_not_accredited */
	POL_CLASS_SCHEDULE,         /* outside_schedule */
	POL_CLASS_PRIVILEGE,        /* unauthorized_privilege */
	POL_CLASS_MEDIA,            /* removable_media */
	POL_CLASS_COUNT
};

#define POL_MAX_REASONS 16
#define POL_REASON_LEN 128
#define POL_MAX_WAIVED 8

/* A reason code is machine-readable and stable, e.g. "unknown_account",
 * "level:SECRET<TOP SECRET", "missing_compartment:FALCON",
 * "debriefed:FALCON", "not_yet_read_on:FALCON", "status:suspended",
 * "review_overdue:2025-01-01", "host_not_permitted:srv-9",
 * "host_level:TOP SECRET>SECRET", "outside_schedule:office",
 * "privilege_not_granted:sudo", "removable_media_forbidden:ws-*". */
struct pol_reason {
	enum pol_class cls;
	char code[POL_REASON_LEN];
};

struct pol_decision {
	bool allow;
	const struct pol_person *person;     /* NULL for an unknown account */
	/* Every resource covering the path applies (highest level, union of
	 * compartments); this is the most restrictive of them: highest level,
	 * then most compartments, then longest prefix. NULL when none covers
	 * the path or the action is not a file action. */
	const struct pol_resource *resource;
	const struct pol_host *host;         /* first matching host rule; NULL when none */
	int nreasons;                        /* all reasons, not just the first */
	struct pol_reason reasons[POL_MAX_REASONS];
	bool truncated;                      /* more than POL_MAX_REASONS found */
	/* The exception that waived reasons of this decision (the first one
	 * used, in file order), or NULL; the waived reasons are in waived[]
	 * and do not count against allow. */
	const struct pol_exception *exception;
	int nwaived;
	struct pol_reason waived[POL_MAX_WAIVED];
	const struct pol_exception *waived_by[POL_MAX_WAIVED];   /* per waived reason */
	/* The policy version that decided: its serial and pol_source_hash(). */
	long long serial;
	const char *source_hash;
};

/* Decides req against p. Default deny: a request is allowed only when no
 * reason was found. Never fails; thread-safe. */
void pol_decide(const struct pol_policy *p, const struct pol_request *req,
                struct pol_decision *d);

/* Stable name of a class's anomaly kind ("clearance_exceeded", ...). */
const char *pol_class_kind(enum pol_class cls);

/* ---- Read-only accessors for reports and summaries ---------------------- */

const char *pol_person_id(const struct pol_person *ps);
const char *pol_person_name(const struct pol_person *ps);
const char *pol_person_level(const struct pol_person *ps);   /* clearance level name */
const char *pol_person_status(const struct pol_person *ps);  /* "active", ... */
const char *pol_resource_id(const struct pol_resource *r);
const char *pol_resource_level(const struct pol_resource *r);
const char *pol_host_name(const struct pol_host *h);          /* the glob */
const char *pol_host_site(const struct pol_host *h);          /* NULL when unset */

/* Finds the person an account maps to, or NULL. */
const struct pol_person *pol_find_account(const struct pol_policy *p, const char *account);
/* Finds a person by id, or NULL. */
const struct pol_person *pol_find_person(const struct pol_policy *p, const char *id);

/* ---- Additions for explain, tests and reports -------------------------- */

/* Action names as the CLI and test cases spell them: "login", "read",
 * "write", "exec", "attr", "privilege", "media", "other". */
const char *pol_action_name(enum pol_action a);
int pol_action_parse(const char *name);          /* -1 when unknown */

/* Writes one plain-English sentence explaining reason r of decision d
 * (e.g. "Carol White is cleared to SECRET but the resource is classified
 * TOP SECRET.") into buf. Returns the length snprintf would have written. */
int pol_reason_text(const struct pol_decision *d, const struct pol_request *req,
                    const struct pol_reason *r, char *buf, size_t len);

/* Every resource rule covering path (all of them apply; see docs/policy.md),
 * longest prefix first, then globs in file order. Returns how many match,
 * which may exceed max; out receives the first max. */
size_t pol_match_resources(const struct pol_policy *p, const char *path,
                           const struct pol_resource **out, size_t max);

/* The i-th person in file order, or NULL past the end. */
const struct pol_person *pol_person_at(const struct pol_policy *p, size_t i);
/* The i-th account of a person, or NULL past the end. */
const char *pol_person_account(const struct pol_person *ps, size_t i);
const char *pol_person_schedule(const struct pol_person *ps);   /* NULL: none */
/* Clearance dates in ms since the epoch (start of the UTC day); INT64_MIN
 * when granted is unset, INT64_MAX when review_due is unset. */
int64_t pol_person_granted(const struct pol_person *ps);
int64_t pol_person_review_due(const struct pol_person *ps);

/* The i-th resource in file order, or NULL past the end. */
const struct pol_resource *pol_resource_at(const struct pol_policy *p, size_t i);
const char *pol_resource_path(const struct pol_resource *r);
/* The i-th compartment name of a resource, or NULL past the end. */
const char *pol_resource_compartment(const struct pol_policy *p,
                                     const struct pol_resource *r, size_t i);
const char *pol_host_level(const struct pol_host *h);         /* NULL when unset */
/* The highest level the host is accredited to process, or NULL when unset. */
const char *pol_host_max_level(const struct pol_host *h);
/* The person id of the i-th owner of a resource, or NULL past the end. */
const char *pol_resource_owner(const struct pol_resource *r, size_t i);
bool pol_host_removable_media(const struct pol_host *h);

/* ---- Exceptions ---------------------------------------------------------- */

/* The i-th exception in file order, or NULL past the end. */
const struct pol_exception *pol_exception_at(const struct pol_policy *p, size_t i);
const char *pol_exception_subject(const struct pol_exception *e);   /* person id or group */
const char *pol_exception_resource(const struct pol_exception *e);  /* resource id */
const char *pol_exception_ticket(const struct pol_exception *e);
const char *pol_exception_approver(const struct pol_exception *e);
const char *pol_exception_justification(const struct pol_exception *e);
int64_t pol_exception_created(const struct pol_exception *e);       /* ms, start of day */
int64_t pol_exception_expires(const struct pol_exception *e);       /* ms, start of day */

/* ---- Suppressions -------------------------------------------------------- */

struct pol_suppression;

/* The first suppression rule (in file order) that covers an anomaly of kind
 * (its name) for person ps (NULL when the account maps to no one) on host
 * (may be NULL), with these reason codes, at event time t; NULL when none
 * does. A rule covers an anomaly when its kind matches, its subject (when
 * set) is the person or one of their groups, its host glob (when set)
 * matches, one reason code starts with its reason (when set), and t is in
 * [created, expires). */
const struct pol_suppression *pol_suppressed(const struct pol_policy *p, const char *kind,
                                             const struct pol_person *ps, const char *host,
                                             const char *const *reasons, int nreasons,
                                             int64_t t);
/* The i-th suppression rule in file order, or NULL past the end. */
const struct pol_suppression *pol_suppression_at(const struct pol_policy *p, size_t i);
const char *pol_suppression_kind(const struct pol_suppression *s);
const char *pol_suppression_subject(const struct pol_suppression *s);   /* NULL: anyone */
const char *pol_suppression_host(const struct pol_suppression *s);      /* NULL: any */
const char *pol_suppression_reason(const struct pol_suppression *s);    /* NULL: any */
const char *pol_suppression_ticket(const struct pol_suppression *s);
int64_t pol_suppression_expires(const struct pol_suppression *s);

/* ---- Further person, resource and host settings -------------------------- */

/* Clearance dates: INT64_MIN when investigated or nda_signed is unset,
 * INT64_MAX when interim_expires is unset. */
int64_t pol_person_investigated(const struct pol_person *ps);
int64_t pol_person_interim_expires(const struct pol_person *ps);
int64_t pol_person_nda_signed(const struct pol_person *ps);
/* The i-th citizenship / group of a person, or NULL past the end. */
const char *pol_person_citizenship(const struct pol_policy *p, const struct pol_person *ps,
                                   size_t i);
const char *pol_person_group(const struct pol_person *ps, size_t i);
/* The i-th host glob a person may log in to, or NULL past the end. */
const char *pol_person_host(const struct pol_person *ps, size_t i);
/* The i-th compartment a person was read on to (in compartment order), or
 * NULL past the end; *read_on and *debriefed get its dates in ms (start of
 * the UTC day; debriefed INT64_MAX when never debriefed). */
const char *pol_person_compartment(const struct pol_policy *p, const struct pol_person *ps,
                                   size_t i, int64_t *read_on, int64_t *debriefed);
/* The i-th caveat, access group or releasable-to country of a resource,
 * or NULL past the end (releasable-to: also NULL when unrestricted). */
const char *pol_resource_caveat(const struct pol_policy *p, const struct pol_resource *r,
                                size_t i);
const char *pol_resource_group(const struct pol_policy *p, const struct pol_resource *r,
                               size_t i);
const char *pol_resource_releasable(const struct pol_policy *p, const struct pol_resource *r,
                                    size_t i);
/* Finds a resource by id, or NULL. */
const struct pol_resource *pol_find_resource(const struct pol_policy *p, const char *id);

/* Login enforcement on a host (for the PAM module): when enforce_login is
 * set the account phase denies logins the policy forbids; when it cannot
 * decide (no snapshot, unknown host) it denies if fail_closed, else
 * allows. Both default to false ("open"). */
bool pol_host_enforce_login(const struct pol_host *h);
bool pol_host_fail_closed(const struct pol_host *h);
/* The host rule for a host name (first match in file order), or NULL. */
const struct pol_host *pol_find_host(const struct pol_policy *p, const char *host);

/* The i-th host rule in file order, or NULL past the end; the host rule
 * whose glob is exactly glob, or NULL. */
const struct pol_host *pol_host_at(const struct pol_policy *p, size_t i);
const struct pol_host *pol_host_named(const struct pol_policy *p, const char *glob);

/* Compartments in file order: name, parent name (NULL when top-level). */
size_t pol_compartment_count(const struct pol_policy *p);
const char *pol_compartment_name(const struct pol_policy *p, size_t i);
const char *pol_compartment_parent(const struct pol_policy *p, size_t i);
/* Whether ps holds a current read-on to compartment i at time t (read on,
 * not debriefed, clearance active). */
bool pol_person_holds_compartment(const struct pol_policy *p, const struct pol_person *ps,
                                  size_t i, int64_t t);

/* ---- Detector thresholds ------------------------------------------------ */

/* Numbers the detectors use, from the policy's `thresholds` group; every
 * member has a default (docs/policy.md), so a policy without the group
 * gets the defaults. Durations are in ms. */
struct pol_thresholds {
	struct { uint32_t count; int64_t window_ms; } failed_login_burst;  /* 5 in 10m */
	struct { uint32_t factor; uint32_t min_events; int64_t window_ms; } volume_spike;
	                                                                  /* 10x, 100, 1d */
	struct { int64_t learning_ms; } first_access;                    /* 14d */
	struct { int64_t learning_ms; } unusual_hour;                    /* 14d */
	struct { int64_t window_ms; } concurrent_sessions;               /* 5m */
	struct { int64_t after_ms; } dormant_account;                    /* 30d */
	struct { int64_t after_ms; } agent_silent;                       /* 15m */
	/* How long detection waits for late events before it decides on the
	 * events of a moment (behavioural detectors run in event-time order). */
	struct { int64_t window_ms; } reorder;                           /* 5m */
	/* How fast an anomaly's weight in a person's risk score fades. */
	struct { int64_t half_life_ms; } risk;                           /* 14d */
};

/* The policy's thresholds (defaults filled in). */
const struct pol_thresholds *pol_get_thresholds(const struct pol_policy *p);
/* The defaults, for callers without a policy. */
void pol_thresholds_default(struct pol_thresholds *t);

struct vg_event;
/* Fills req (borrowing the event's strings) for an event the policy judges
 * and returns true: auth_success and session_open are logins; file_access
 * maps its op (read, write, exec, attr; mount is media); exec, privilege
 * (service = the PAM service) and media map to their actions, whatever the
 * result. Returns false for events it does not judge: agent,
 * auth_failure, session_close, and any event without a user. */
bool pol_request_from_event(const struct vg_event *ev, struct pol_request *req);

#endif
