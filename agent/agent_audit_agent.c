/*
 * agent_audit_agent: wires the audit intake into the running agent.
 *
 * Kept apart from agent_audit.c so that the normaliser links without the
 * agent's spool and shipper (the unit tests and tools use
 * agent_audit_new_with_sink and never pull this object in).
 */
#include "agent.h"
#include "agent_audit.h"
#include "vg_log.h"

#include <errno.h>
#include <string.h>

static int emit_to_agent(void *ctx, json_t *ev)
{
	return agent_emit(ctx, ev);
}

struct agent_audit *agent_audit_new(struct agent *a)
{
	struct agent_audit *aa = agent_audit_new_with_sink(emit_to_agent, a);
	if (!aa)
		return NULL;
	if (agent_audit_set_host(aa, a->cfg.host) < 0) {
		agent_audit_free(aa);
		return NULL;
	}
	agent_audit_set_self_pid(aa, a->pid);
	int rc = agent_audit_attach_kernel(aa);
	if (rc < 0)
		vg_warn("audit: no audit control socket (%s): the agent's own records are dropped in "
		        "user space only and kernel losses are not reported", strerror(-rc));
	return aa;
}
