/*
 * col_behave_internal: what the behavioural detection engine (col_behave.c)
 * and its rules (col_behave_rules.c) share: the waiting event, the state
 * kept per person, account, source and host, and its encoding in the store.
 */
#ifndef COL_BEHAVE_INTERNAL_H
#define COL_BEHAVE_INTERNAL_H

#include "col_behave.h"
#include "vg_buf.h"
#include "vg_strmap.h"

#include <stdatomic.h>

#define BH_VOL_DAYS 28                          /* daily counts kept per person */
#define BH_VOL_MIN_DAYS 7                       /* before the own baseline counts */
#define BH_MAX_SESS 8                           /* open sessions tracked per person */
#define BH_SESSION_MAX_MS (12LL * 3600 * 1000)  /* a session never closed ends here */
#define BH_RING_MAX 128                         /* failures kept per account/source */
#define BH_HOUR_MIN_EVENTS 50                   /* before unusual_hour judges */
#define BH_SOURCE_ACCOUNTS 3                    /* distinct accounts for a source burst */
#define BH_SWEEP_MS 60000                       /* agent silence is checked this often */
#define BH_PERSON_ACCOUNTS 4                    /* accounts' last activity kept per person */

/* Waiting events are carved out of blocks, one malloc per BH_BLOCK bytes
 * instead of one per event; a block is freed when its last event has been
 * decided (events arrive roughly in the order they are decided, so blocks
 * empty in turn). */
#define BH_BLOCK 65536
struct bh_block {
	size_t used, cap;
	size_t live;                    /* events carved from it not yet decided */
	unsigned char data[];
};

/* An event waiting to be decided; strings are "" when absent. */
struct bh_ev {
	struct bh_block *block;
	int64_t time_ms, agent, seq;
	int64_t order_ms;               /* time_ms, capped at arrival + BH_FUTURE_MS */
	uint8_t kind, op, result;
	bool resolved;                  /* area and comps hold the policy's resource */
	const char *host, *user, *rhost, *ruser, *path, *service, *action;
	const char *area;               /* resource id, "" when none covers the path */
	const char *comps;              /* its compartments, each followed by '\n' */
	char data[];
};

struct bh_idset {                   /* sorted name hashes (col_behave_rules.c) */
	uint32_t *v;
	uint32_t n, cap;
};

struct bh_sess {
	uint32_t host, site, rhost;
	int64_t open_ms, close_ms;      /* close 0: still open */
};

struct bh_ref {                     /* one failed authentication */
	int64_t time_ms, agent, seq;
	uint32_t account;               /* vg_fnv1a of the account name (a source's
	                                 * distinct accounts are counted, and made-up
	                                 * names must not stay interned for ever) */
};

struct bh_ring {                    /* failures in time order, oldest first */
	struct bh_ref *v;
	uint32_t n, cap;
};

struct bh_burst {                   /* the current incident; start 0: none */
	int64_t start_ms, last_ms;
};

enum bh_kind { BH_PERSON = 'P', BH_ACCOUNT = 'A', BH_SOURCE = 'S', BH_HOST = 'H', BH_META = 'M' };

struct bh_entity {
	char kind;                      /* enum bh_kind */
	bool dirty;
	const char *key;                /* the map's key copy */
};

struct bh_person {
	struct bh_entity e;
	int64_t first_ms;
	uint32_t total;                 /* activity events, saturating */
	uint8_t hour[168];              /* activity per UTC hour of the week, Monday 00 first
	                                 * (saturating: only rare versus never matters) */
	int64_t vol_bucket;             /* the counting window now open */
	uint32_t vol_count, vol_own_thr, vol_peer_thr;
	uint8_t vol_sev;                /* severity + 1 reported for this window; 0 none */
	uint8_t vol_n;
	uint32_t vol_hist[BH_VOL_DAYS]; /* counts of past active windows, oldest first */
	uint32_t group;                 /* peer group: the person's first group */
	long long group_serial;         /* policy serial + 1 it was looked up in; 0: never */
	uint8_t naccts;                 /* the person's accounts' last activity */
	uint32_t acct_hash[BH_PERSON_ACCOUNTS];
	int64_t acct_last[BH_PERSON_ACCOUNTS];
	struct bh_idset hosts, areas, comps;
	struct bh_sess *sess;           /* open (or just closed) sessions, oldest first */
	uint8_t nsess, capsess;
};

struct bh_account {
	struct bh_entity e;
	int64_t last_ms;                /* last activity */
	struct bh_ring fails;
	struct bh_burst burst;
};

struct bh_source {
	struct bh_entity e;
	struct bh_ring fails;
	struct bh_burst burst;
};

struct bh_host {
	struct bh_entity e;
	int64_t last_ms, last_agent, last_seq;
	bool stopped;                   /* its last word was a clean stop */
	bool monitored;                 /* it reports its health: silence means something */
	int64_t silent_flagged;         /* last_ms of the silence already reported */
	uint32_t sess_person;           /* who opened the latest session here */
	int64_t sess_open, sess_close;
};

struct bh_batch {                   /* one transaction's feeding, for the wall-clock rule */
	int64_t received_ms, max_time;
};

struct col_behave {
	struct vg_intern in;
	struct vg_strmap persons, accounts, sources, hosts;
	struct bh_entity **dirty;
	size_t ndirty, capdirty;
	bool meta_dirty;
	/* reorder buffer: a min-heap in decision order */
	struct bh_ev **heap;
	size_t nheap, capheap;
	struct bh_block *block;         /* the block new events are carved from */
	struct bh_batch *batches;       /* FIFO of fed batches not yet decided */
	size_t nbatch, capbatch, batch0;
	int64_t max_seen, watermark;
	int64_t batch_no;
	struct vg_buf journal;          /* this transaction's (agent, seq) pairs */
	size_t journal_events;          /* fed since the state was last written */
	int64_t last_write_ms;
	int64_t sweep_ms;               /* last agent-silence sweep */
	/* peer baselines per group (indexed by interned group id) */
	int64_t peer_bucket;
	uint32_t *peer_med;
	uint32_t npeer;
	struct vg_buf scratch;
	/* the transaction being fed: its earliest arrival and latest event */
	int64_t cur_received, cur_max;
	int64_t window_ms;              /* the reorder window last used */
	struct pol_thresholds defaults; /* for running without a policy */
	_Atomic int64_t due_at;         /* see col_behave_due; read without the store's lock */
	atomic_bool broken;             /* the last restore failed: only journal */
};

/* What a rule needs while deciding. */
struct bh_ctx {
	struct col_behave *b;
	const struct pol_policy *p;     /* may be NULL: person rules are skipped */
	const struct pol_thresholds *t;
	int64_t now;
	const struct col_behave_sink *sink;
	int err;                        /* 0, or BH_ERR_* */
};

enum { BH_ERR_STORE = -1, BH_ERR_OOM = -2 };

/* Decides one event (col_behave_rules.c). */
void bh_decide(struct bh_ctx *c, const struct bh_ev *ev);
/* Reports hosts silent for agent_silent.after at event time t. */
void bh_sweep_silence(struct bh_ctx *c, int64_t t);

/* State maps: the entity for key, created when absent (NULL on OOM). */
struct bh_person *bh_person_get(struct col_behave *b, const char *key);
struct bh_account *bh_account_get(struct col_behave *b, const char *key);
struct bh_source *bh_source_get(struct col_behave *b, const char *key);
struct bh_host *bh_host_get(struct col_behave *b, const char *key);
/* Marks an entity changed, to be written at the next state write. */
void bh_touch(struct col_behave *b, struct bh_entity *e);
void bh_free_entity(void *ent);

/* Encoding of entities in the store (col_behave_rules.c). */
void bh_encode(const struct col_behave *b, const struct bh_entity *e, struct vg_buf *out);
/* The layout of entity records; raise it when the encoding changes. */
#define BH_VERSION 5
/* The oldest layout still read: 4 kept failures' account names as strings. */
#define BH_VERSION_MIN 4

/* Decodes a record into a new entity; -1 when it is damaged,
 * BH_DECODE_OLD when an older vigil wrote it (the caller forgets it). */
#define BH_DECODE_OLD (-2)
int bh_decode(struct col_behave *b, char kind, const char *key, const void *blob, size_t len);

#endif
