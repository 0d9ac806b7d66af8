/*
 * agent_audit_ctl: the agent's conversations with the kernel's audit
 * subsystem through libaudit: joining the multicast group, reading the
 * status (lost counter), and the rule that keeps the agent's own syscalls
 * out of the audit trail.
 *
 * Why a kernel rule as well as dropping our pid in the normaliser: records
 * the kernel never generates cannot fill its backlog or the auditd queue,
 * and every spool write or HTTPS batch of the agent would otherwise cost a
 * record per syscall on a host with broad rules. The rule carries the key
 * "vigil-self" so that a rule left behind by an agent that died (its pid may
 * be reused by another process, which would then go unaudited) is found and
 * removed by the next start.
 */
#include "agent_audit.h"

#include <errno.h>
#include <libaudit.h>
#include <limits.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SELF_KEY "vigil-self"
#define NETLINK_RCVBUF (8 << 20)
#define REPLY_TIMEOUT_MS 2000
#define MAX_SELF_RULES 32

int agent_audit_netlink_open(char *err, size_t errlen)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1)};
	int size = NETLINK_RCVBUF;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);

	if (fd < 0) {
		snprintf(err, errlen, "audit netlink socket: %s (is the kernel built with audit?)",
		         strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "joining the audit multicast group needs CAP_AUDIT_READ "
			                      "(run vigil-agent as root, or use audit = \"stdin\" as an "
			                      "auditd plugin): %s", strerror(e));
		else
			snprintf(err, errlen, "joining the audit multicast group: %s", strerror(e));
		return -1;
	}
	/* The group is lossy for a slow reader: a big queue absorbs bursts.
	 * SO_RCVBUFFORCE passes rmem_max for root; fall back quietly. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return fd;
}

/* Waits for the next reply on a libaudit socket. Returns its length, 0 on
 * timeout, or -errno. */
static int next_reply(int fd, struct audit_reply *rep, int timeout_ms)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int len = audit_get_reply(fd, rep, GET_REPLY_NONBLOCKING, 0);
		if (len == -EAGAIN || len == -EINTR)
			continue;
		return len;
	}
}

int agent_audit_kernel_status(int audit_fd, struct agent_audit_kstatus *st, int timeout_ms)
{
	struct audit_reply rep;
	int rc;

	if (audit_request_status(audit_fd) <= 0)
		return errno ? -errno : -EIO;
	for (int tries = 0; tries < 16; tries++) {
		if ((rc = next_reply(audit_fd, &rep, timeout_ms)) < 0)
			return rc;
		if (rc == 0)
			return -ETIMEDOUT;
		if (rep.type == NLMSG_ERROR && rep.error && rep.error->error)
			return rep.error->error;
		if (rep.type == AUDIT_GET && rep.status) {
			st->enabled = rep.status->enabled;
			st->failure = rep.status->failure;
			st->pid = rep.status->pid;
			st->backlog_limit = rep.status->backlog_limit;
			st->lost = rep.status->lost;
			st->backlog = rep.status->backlog;
			return 0;
		}
	}
	return -EPROTO;
}

static bool string_field(uint32_t f)
{
	return (f >= AUDIT_SUBJ_USER && f <= AUDIT_SUBJ_CLR) ||
	       (f >= AUDIT_OBJ_USER && f <= AUDIT_OBJ_LEV_HIGH) || f == AUDIT_WATCH ||
	       f == AUDIT_DIR || f == AUDIT_FILTERKEY || f == AUDIT_EXE;
}

/* The pid of a vigil-self rule, or -1 when r is another rule. */
static long self_rule_pid(const struct audit_rule_data *r)
{
	size_t off = 0;
	long pid = -1;
	bool keyed = false;

	if (r->action != AUDIT_NEVER || (r->flags & ~AUDIT_FILTER_PREPEND) != AUDIT_FILTER_EXIT)
		return -1;
	for (uint32_t i = 0; i < r->field_count && i < AUDIT_MAX_FIELDS; i++) {
		uint32_t f = r->fields[i];
		if (string_field(f)) {
			uint32_t len = r->values[i];
			if (off + len > r->buflen)
				return -1;
			if (f == AUDIT_FILTERKEY && len == strlen(SELF_KEY) &&
			    memcmp(r->buf + off, SELF_KEY, len) == 0)
				keyed = true;
			off += len;
		} else if (f == AUDIT_PID && r->fieldflags[i] == AUDIT_EQUAL) {
			pid = (long)r->values[i];
		}
	}
	return keyed ? pid : -1;
}

/* Lists the exit-list rules and copies the vigil-self ones into out.
 * Returns their number or -errno. */
static int list_self_rules(int fd, struct audit_rule_data **out, int max)
{
	struct audit_reply rep;
	int n = 0, rc;

	if (audit_request_rules_list_data(fd) <= 0)
		return errno ? -errno : -EIO;
	for (;;) {
		if ((rc = next_reply(fd, &rep, REPLY_TIMEOUT_MS)) < 0)
			goto fail;
		if (rc == 0) {
			rc = -ETIMEDOUT;
			goto fail;
		}
		if (rep.type == NLMSG_DONE)
			return n;
		if (rep.type == NLMSG_ERROR) {
			if (rep.error && rep.error->error) {
				rc = rep.error->error;
				goto fail;
			}
			continue;
		}
		if (rep.type != AUDIT_LIST_RULES || !rep.ruledata)
			continue;
		if (self_rule_pid(rep.ruledata) < 0 || n >= max)
			continue;
		size_t size = sizeof *rep.ruledata + rep.ruledata->buflen;
		if (!(out[n] = malloc(size))) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(out[n++], rep.ruledata, size);
	}
fail:
	while (n > 0)
		free(out[--n]);
	return rc;
}

/* A rule of a pid that is gone, or that now runs another program than us. */
static bool stale_pid(long pid)
{
	char link[64], theirs[PATH_MAX], ours[PATH_MAX];
	ssize_t a, b;

	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(link, sizeof link, "/proc/%ld/exe", pid);
	a = readlink(link, theirs, sizeof theirs - 1);
	b = readlink("/proc/self/exe", ours, sizeof ours - 1);
	if (a < 0 || b < 0)
		return false;
	return a != b || memcmp(theirs, ours, (size_t)a) != 0;
}

/* Deletes the vigil-self rules of pid (or, with pid <= 0, the stale ones). */
static int delete_self_rules(int fd, pid_t pid)
{
	struct audit_rule_data *rules[MAX_SELF_RULES];
	int n = list_self_rules(fd, rules, MAX_SELF_RULES), rc = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		long owner = self_rule_pid(rules[i]);
		if (pid > 0 ? owner == pid : stale_pid(owner)) {
			int r = audit_delete_rule_data(fd, rules[i], AUDIT_FILTER_EXIT, AUDIT_NEVER);
			if (r < 0 && r != -ENOENT && rc == 0)
				rc = r;
		}
		free(rules[i]);
	}
	return rc;
}

/* Appends a key field the way auditctl -k does (libaudit's field parser
 * does not take "key="). Returns 0 or -ENOMEM/-E2BIG. */
static int rule_add_key(struct audit_rule_data **rulep, const char *key)
{
	struct audit_rule_data *r = *rulep;
	size_t len = strlen(key);
	if (r->field_count >= AUDIT_MAX_FIELDS || len > AUDIT_MAX_KEY_LEN)
		return -E2BIG;
	r = realloc(r, sizeof *r + r->buflen + len);
	if (!r)
		return -ENOMEM;
	*rulep = r;
	memcpy(r->buf + r->buflen, key, len);
	r->buflen += (uint32_t)len;
	r->fields[r->field_count] = AUDIT_FILTERKEY;
	r->values[r->field_count] = (uint32_t)len;
	r->fieldflags[r->field_count] = AUDIT_EQUAL;
	r->field_count++;
	return 0;
}

int agent_audit_exclude_self(int audit_fd, pid_t pid)
{
	struct audit_rule_data *rule;
	char pair[32];   /* libaudit writes into it */
	int rc;

	if (pid <= 0)
		return -EINVAL;
	delete_self_rules(audit_fd, 0);
	if (!(rule = audit_rule_create_data()))
		return -ENOMEM;
	snprintf(pair, sizeof pair, "pid=%ld", (long)pid);
	if ((rc = audit_rule_syscallbyname_data(rule, "all")) < 0 ||
	    (rc = audit_rule_fieldpair_data(&rule, pair, AUDIT_FILTER_EXIT)) < 0 ||
	    (rc = rule_add_key(&rule, SELF_KEY)) < 0) {
		audit_rule_free_data(rule);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	/* Prepended: the first matching rule decides, and a never rule behind
	 * the watches would change nothing. */
	rc = audit_add_rule_data(audit_fd, rule, AUDIT_FILTER_EXIT | AUDIT_FILTER_PREPEND, AUDIT_NEVER);
	audit_rule_free_data(rule);
	if (rc == -EEXIST)
		return 0;
	return rc < 0 ? rc : 0;
}

int agent_audit_exclude_self_remove(int audit_fd, pid_t pid)
{
	if (pid <= 0)
		return -EINVAL;
	return delete_self_rules(audit_fd, pid);
}
