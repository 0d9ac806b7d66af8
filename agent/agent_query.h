/*
 * agent_query: vigil-agent's answers to pam_vigil.so's login enforcement
 * queries (format in agent_pam_proto.h).
 *
 * A query from uid 0 is decided against the agent's policy snapshot for
 * (user, this host, now) with POL_ACT_LOGIN. The answer carries the decision,
 * the host rule's enforce_login flag and its fail mode. Every answered query
 * becomes one event (it stands in for the account-phase datagram the module
 * would otherwise send): an enforced deny is an `auth_failure` with
 * detail.enforced = true, detail.decision = "deny" and detail.reasons; an
 * enforced allow an `auth_success` with detail.enforced = true; a query on a
 * host that does not enforce the usual account event with
 * detail.enforced = false. Queries that are broken or not sent by root get
 * no answer and become `agent` events (detail.channel = "query").
 */
#ifndef AGENT_QUERY_H
#define AGENT_QUERY_H

#include "pol.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agent;

/* Queries handled per agent_query_read() call at most. */
#define AGENT_QUERY_READ_BATCH 256

enum agent_query_decision { AGENT_QUERY_ALLOW, AGENT_QUERY_DENY, AGENT_QUERY_UNDECIDED };

struct agent_query_result {
	enum agent_query_decision decision;  /* what the answer says */
	bool enforce;                        /* enforcement applies to this login */
	bool policy_fail_closed;             /* the host rule's fail mode */
	bool module_fail_closed;             /* the module's fail= argument */
	bool deny;                           /* what the module will do */
	bool fail_mismatch;                  /* module and policy fail modes differ */
	long long serial;                    /* policy serial, -1 without a snapshot */
	int nreasons;
	char reasons[POL_MAX_REASONS][POL_REASON_LEN];
};

/* Decides a query. configured: the agent has a `policy` setting; p: its
 * snapshot (NULL when it never loaded). Without the setting, or on a host
 * whose rule does not enforce (or that no rule matches), the answer is
 * allow, not enforced. With the setting but no snapshot the answer is
 * undecided and the module's fail mode decides (reason
 * "no_policy_snapshot"). Never fails. */
void agent_query_decide(const struct pol_policy *p, bool configured, const char *host,
                        const char *user, int64_t now_ms, bool module_fail_closed,
                        struct agent_query_result *r);

/* Writes the answer datagram into buf (at least AGENT_PAM_REPLY_MAX bytes);
 * returns its length. */
size_t agent_query_reply(const struct agent_query_result *r, char *buf, size_t cap);

/* Turns the account event of the query (from agent_pam_parse_query) into
 * the record of the decision, as the file comment says. Returns 0 or -1. */
int agent_query_annotate(json_t *ev, const struct agent_query_result *r);

/* Opens the query socket at path (agent_pam_query_open). */
int agent_query_open(const char *path, char *err, size_t errlen);

/* Answers every queued query on fd (up to AGENT_QUERY_READ_BATCH) and
 * emits its event. Returns the number handled, or -1 when the socket fails. */
int agent_query_read(struct agent *a, int fd);

/* (Re)loads a->cfg.policy into a->policy with pol_load_isolated. On failure
 * the previous snapshot (if any) is kept and the problems are logged; an
 * `agent` event records the outcome (action "policy_load" or
 * "policy_error"). Returns 0 or -1. Does nothing without a `policy`
 * setting. */
int agent_query_load_policy(struct agent *a);

#endif
