/*
 * fuzz_pam_datagram: agent_pam_parse, the agent's reader of the datagrams
 * any local user can send to its socket.
 *
 * Each input is parsed twice: as sent by root (pid 4242, uid 0), when a
 * valid datagram becomes a login event, and as sent by uid 1000, when it may
 * only become an untrusted_pam_datagram record. Whatever comes out must pass
 * the collector's schema, and a non-root sender never yields a login event.
 */
#include "agent_pam.h"
#include "fuzz.h"

#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ucred root = {.pid = 4242, .uid = 0, .gid = 0};
	static const struct ucred user = {.pid = 4243, .uid = 1000, .gid = 1000};
	char err[256];
	json_t *ev = NULL;

	int rc = agent_pam_parse((const char *)data, size, &root, "ws-fuzz", &ev, err, sizeof err);
	if (rc >= 0) {
		if (!ev)
			fuzz_fail("agent_pam_parse returned %d without an event", rc);
		fuzz_check_agent_event(ev, "agent_pam_parse (root)");
	}
	json_decref(ev);

	ev = NULL;
	rc = agent_pam_parse((const char *)data, size, &user, NULL, &ev, err, sizeof err);
	if (rc == 0)
		fuzz_fail("a datagram from uid 1000 became a login event");
	if (rc == 1) {
		if (!ev)
			fuzz_fail("agent_pam_parse returned 1 without an event");
		fuzz_check_agent_event(ev, "agent_pam_parse (uid 1000)");
	}
	json_decref(ev);
	return 0;
}
