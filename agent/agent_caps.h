/*
 * agent_caps: the agent keeps only the capabilities it uses once running.
 *
 * vigil-agent starts as root to open what needs privileges: the audit
 * multicast socket (CAP_AUDIT_READ, checked when it is bound), large socket
 * buffers (SO_RCVBUFFORCE, CAP_NET_ADMIN), the audit control socket and its
 * exclusion rule (CAP_AUDIT_CONTROL). Once they are open, before any thread
 * starts, it drops every capability except CAP_AUDIT_CONTROL, which the
 * running agent still needs to poll the kernel's audit status (the lost
 * counter) and to remove its exclusion rule when it stops; with audit = off
 * it keeps none. The bounding set is emptied and no_new_privs set, so
 * nothing it could execute regains them. It stays uid 0 so that the files
 * it owns (spool, token, client key, sockets) need no changes.
 */
#ifndef AGENT_CAPS_H
#define AGENT_CAPS_H

#include <stddef.h>

/* Drops every capability but CAP_AUDIT_CONTROL (when keep_audit_control)
 * from this thread, which threads created later inherit, and checks the
 * result. Returns 0, or -1 with err. */
int agent_caps_restrict(int keep_audit_control, char *err, size_t errlen);

/* What agent_caps_restrict left, for the log: "CAP_AUDIT_CONTROL" or "none". */
const char *agent_caps_describe(int keep_audit_control);

#endif
