/*
 * agent_query: answers login enforcement queries from pam_vigil.so.
 *
 * The query socket is a datagram socket beside the PAM socket, mode 0600.
 * The module binds an autobound address and connects to it, so the answer
 * goes back with one non-blocking sendto() to the address recvmsg()
 * reported; a module that has already given up (its timeout passed) just
 * makes that send fail, which is harmless. The agent keeps no state per
 * query.
 */
#include "agent_query.h"
#include "agent.h"
#include "agent_event.h"
#include "agent_pam.h"
#include "vg_log.h"
#include "vg_time.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

void agent_query_decide(const struct pol_policy *p, bool configured, const char *host,
                        const char *user, int64_t now_ms, bool module_fail_closed,
                        struct agent_query_result *r)
{
	const struct pol_host *h;
	struct pol_request req;
	struct pol_decision d;

	memset(r, 0, sizeof *r);
	r->decision = AGENT_QUERY_ALLOW;
	r->module_fail_closed = module_fail_closed;
	r->serial = -1;
	if (!configured)
		return;
	if (!p) {
		r->decision = AGENT_QUERY_UNDECIDED;
		r->enforce = true;
		r->deny = module_fail_closed;
		snprintf(r->reasons[0], sizeof r->reasons[0], "no_policy_snapshot");
		r->nreasons = 1;
		return;
	}
	r->serial = pol_serial(p);
	h = host ? pol_find_host(p, host) : NULL;
	if (!h || !pol_host_enforce_login(h))
		return;
	r->enforce = true;
	r->policy_fail_closed = pol_host_fail_closed(h);
	r->fail_mismatch = r->policy_fail_closed != module_fail_closed;
	memset(&req, 0, sizeof req);
	req.account = user;
	req.host = host;
	req.time_ms = now_ms;
	req.action = POL_ACT_LOGIN;
	pol_decide(p, &req, &d);
	if (d.allow)
		return;
	r->decision = AGENT_QUERY_DENY;
	r->deny = true;
	for (int i = 0; i < d.nreasons && i < POL_MAX_REASONS; i++)
		snprintf(r->reasons[i], sizeof r->reasons[i], "%s", d.reasons[i].code);
	r->nreasons = d.nreasons < POL_MAX_REASONS ? d.nreasons : POL_MAX_REASONS;
}

/* Appends "key=value\0" when it fits. */
static void put(char *buf, size_t cap, size_t *len, const char *key, const char *value)
{
	int n = snprintf(buf + *len, cap - *len, "%s=%s", key, value);
	if (n >= 0 && (size_t)n + 1 <= cap - *len)
		*len += (size_t)n + 1;
	else
		buf[*len] = '\0';
}

size_t agent_query_reply(const struct agent_query_result *r, char *buf, size_t cap)
{
	static const char *const names[] = {"allow", "deny", "undecided"};
	size_t len = sizeof AGENT_PAM_REPLY_MAGIC;

	if (cap < len)
		return 0;
	memcpy(buf, AGENT_PAM_REPLY_MAGIC, len);
	put(buf, cap, &len, "decision", names[r->decision]);
	put(buf, cap, &len, "enforce", r->enforce ? "1" : "0");
	put(buf, cap, &len, "fail", r->policy_fail_closed ? "closed" : "open");
	if (r->decision == AGENT_QUERY_DENY && r->nreasons > 0)
		put(buf, cap, &len, "reason", r->reasons[0]);
	return len;
}

int agent_query_annotate(json_t *ev, const struct agent_query_result *r)
{
	json_t *detail, *reasons;
	int rc = 0;

	if (!(detail = json_object_get(ev, "detail")))
		return -1;
	if (!r->enforce)
		return json_object_set_new(detail, "enforced", json_false()) < 0 ? -1 : 0;
	if (r->deny) {
		rc |= json_object_set_new(ev, "kind", json_string(vg_kind_name(VG_KIND_AUTH_FAILURE)));
		rc |= json_object_set_new(ev, "result", json_string("failure"));
	}
	rc |= json_object_set_new(detail, "enforced", json_true());
	rc |= json_object_set_new(detail, "decision", json_string(r->deny ? "deny" : "allow"));
	if (r->decision == AGENT_QUERY_UNDECIDED)
		rc |= json_object_set_new(detail, "fail", json_string(r->module_fail_closed ? "closed" : "open"));
	if (r->serial >= 0)
		rc |= json_object_set_new(detail, "policy_serial", json_integer(r->serial));
	if (r->nreasons > 0) {
		if (!(reasons = json_array()))
			return -1;
		for (int i = 0; i < r->nreasons; i++)
			rc |= json_array_append_new(reasons, json_string(r->reasons[i]));
		rc |= json_object_set_new(detail, "reasons", reasons);
	}
	return rc ? -1 : 0;
}

int agent_query_open(const char *path, char *err, size_t errlen)
{
	return agent_pam_query_open(path, err, errlen);
}

/* Answers one query from root and returns its event (NULL: out of memory). */
static json_t *answer(struct agent *a, int fd, json_t *ev, bool module_fail_closed,
                      const struct sockaddr_un *from, socklen_t fromlen)
{
	struct agent_query_result r;
	char reply[AGENT_PAM_REPLY_MAX];
	const char *user = json_string_value(json_object_get(ev, "user"));
	const char *service = json_string_value(json_object_get(ev, "service"));
	size_t len;

	agent_query_decide(a->policy, a->cfg.policy != NULL, a->cfg.host, user, vg_time_now(),
	                   module_fail_closed, &r);
	if (r.fail_mismatch)
		vg_warn("login enforcement: pam_vigil.so%s%s runs with fail=%s but the policy's host rule "
		        "for %s says fail = \"%s\"; the module's argument decides when the agent does not "
		        "answer: make the PAM line match the policy", service ? " for " : "",
		        service ? service : "", module_fail_closed ? "closed" : "open", a->cfg.host,
		        r.policy_fail_closed ? "closed" : "open");
	if (r.enforce)
		vg_info("login enforcement: %s for %s (service %s)%s%s", r.deny ? "deny" : "allow", user,
		        service ? service : "-", r.nreasons ? ": " : "", r.nreasons ? r.reasons[0] : "");
	len = agent_query_reply(&r, reply, sizeof reply);
	if (fromlen > sizeof(sa_family_t)) {
		if (sendto(fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)from,
		           fromlen) < 0)
			vg_debug("login enforcement: answer for %s not delivered: %s", user, strerror(errno));
	} else {
		vg_debug("login enforcement: query for %s came from an unbound socket; no answer", user);
	}
	if (agent_query_annotate(ev, &r) < 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

int agent_query_read(struct agent *a, int fd)
{
	int handled = 0;

	while (handled < AGENT_QUERY_READ_BATCH) {
		struct agent_pam_msg msg;
		char err[256];
		json_t *ev = NULL;
		bool fail_closed = false;
		int got = agent_pam_receive(fd, &msg, "PAM query socket");

		if (got < 0)
			return -1;
		if (got == 0)
			break;
		handled++;
		/* A truncated query is longer than AGENT_PAM_MAX: parsing refuses
		 * it by its length and keeps only its first bytes as evidence. */
		int rc = agent_pam_parse_query(msg.buf, msg.len, msg.cred, a->cfg.host, &ev, &fail_closed,
		                               err, sizeof err);
		if (rc > 0)
			vg_warn("PAM query not answered: %s", err);
		else if (rc == 0)
			ev = answer(a, fd, ev, fail_closed, &msg.from, msg.fromlen);
		if (!ev) {
			vg_err("PAM query lost: out of memory");
			atomic_fetch_add(&a->dropped, 1);
			continue;
		}
		agent_emit(a, ev);
	}
	return handled;
}

int agent_query_load_policy(struct agent *a)
{
	struct pol_policy *p = NULL;
	struct pol_diag diag;
	char msg[512];
	int rc;

	if (!a->cfg.policy)
		return 0;
	pol_diag_init(&diag);
	rc = pol_load_isolated(a->cfg.policy, &p, &diag);
	if (rc < 0 || !p) {
		const char *first = "cannot load";
		for (size_t i = 0; i < diag.n; i++) {
			if (diag.items[i].level == POL_DIAG_ERROR) {
				vg_err("policy: %s", diag.items[i].text);
				if (strcmp(first, "cannot load") == 0)
					first = diag.items[i].text;
			}
		}
		snprintf(msg, sizeof msg, "%s: %s; login enforcement %s", a->cfg.policy, first,
		         a->policy ? "keeps the previous policy" : "has no policy: modules apply their fail mode");
		vg_err("%s", msg);
		agent_emit_health(a, "policy_error", msg);
		pol_diag_free(&diag);
		return -1;
	}
	pol_diag_free(&diag);
	pol_free(a->policy);
	a->policy = p;
	snprintf(msg, sizeof msg, "%s: policy %s serial %lld loaded for login enforcement",
	         a->cfg.policy, pol_id(p) ? pol_id(p) : "-", pol_serial(p));
	vg_info("%s", msg);
	agent_emit_health(a, "policy_load", msg);
	return 0;
}
