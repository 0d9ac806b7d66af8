/*
 * fuzz_audit_text: the audit normaliser fed raw text as auditd's plugin
 * interface delivers it (agent_audit_feed, then agent_audit_flush), through
 * a bare normaliser with a test sink: no kernel, no user database, an empty
 * sysfs.
 *
 * The input is fed in two pieces split at a point chosen by its first byte,
 * since records may arrive split anywhere. Every event the normaliser hands
 * over must pass the collector's schema.
 */
#include "agent_audit.h"
#include "fuzz.h"

#include <string.h>

static int sink(void *ctx, json_t *ev)
{
	(void)ctx;
	fuzz_check_agent_event(ev, "the audit normaliser");
	json_decref(ev);
	return 0;
}

/* uids 1000..1009 are "user1000"..., the rest have no name. */
static int users(void *ctx, uint32_t uid, char *name, size_t len)
{
	(void)ctx;
	if (uid < 1000 || uid > 1009)
		return -1;
	snprintf(name, len, "user%u", uid);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_audit *aa = agent_audit_new_with_sink(sink, NULL);
	if (!aa)
		return 0;
	agent_audit_set_host(aa, "ws-fuzz");
	agent_audit_set_self_pid(aa, 4242);
	agent_audit_set_user_lookup(aa, users, NULL);
	agent_audit_set_sysfs_root(aa, "/nonexistent/vigil-fuzz-sys");
	size_t cut = size ? data[0] % (size + 1) : 0;
	if (agent_audit_feed(aa, (const char *)data, cut) == 0)
		agent_audit_feed(aa, (const char *)data + cut, size - cut);
	agent_audit_flush(aa);
	agent_audit_free(aa);
	return 0;
}
