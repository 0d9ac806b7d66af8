/*
 * agent_pam_proto: the datagram pam_vigil.so sends to vigil-agent.
 *
 * A datagram is the magic "vigil-pam/1" followed by "key=value" fields, each
 * terminated by a NUL byte, at most AGENT_PAM_MAX bytes in all. Keys:
 *   phase      auth_success | auth_failure | account | session_open | session_close
 *   time       milliseconds since the epoch (decimal)
 *   service, user, ruser, rhost, tty   PAM items (absent when unset)
 *   loginuid, sessionid                from /proc/self (absent when unset)
 * Values never contain NUL; the agent rejects unknown keys, duplicates,
 * over-long values and control characters. Who sent the datagram (pid, uid)
 * is taken from SCM_CREDENTIALS, never from the payload.
 */
#ifndef AGENT_PAM_PROTO_H
#define AGENT_PAM_PROTO_H

#define AGENT_PAM_MAGIC "vigil-pam/1"
#define AGENT_PAM_MAX 4096
#define AGENT_PAM_DEFAULT_SOCKET "/run/vigil/agent.sock"

#endif
