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
 *
 * Login enforcement (pam_vigil.so `enforce`) asks on a second socket, the
 * agent's socket path with ".query" appended (mode 0600). A query is the
 * same datagram with the magic "vigil-pamq/1", phase=account, a user, and
 * one more key:
 *   fail       open | closed: what the module does when it gets no answer
 * The module binds an autobound (abstract) address and connects to the
 * query socket; the agent answers uid 0 senders only, with one datagram to
 * that address: the magic "vigil-pamr/1" then NUL-terminated fields
 *   decision   allow | deny | undecided (no policy snapshot: the module
 *              applies its own fail mode)
 *   enforce    1 when the host rule has enforce_login = true, else 0
 *   fail       open | closed: the host rule's fail mode ("open" when none)
 *   reason     the first reason of a deny (may be absent)
 * The answer is at most AGENT_PAM_REPLY_MAX bytes.
 */
#ifndef AGENT_PAM_PROTO_H
#define AGENT_PAM_PROTO_H

#define AGENT_PAM_MAGIC "vigil-pam/1"
#define AGENT_PAM_MAX 4096
#define AGENT_PAM_DEFAULT_SOCKET "/run/vigil/agent.sock"
#define AGENT_PAM_QUERY_MAGIC "vigil-pamq/1"
#define AGENT_PAM_REPLY_MAGIC "vigil-pamr/1"
#define AGENT_PAM_QUERY_SUFFIX ".query"
#define AGENT_PAM_REPLY_MAX 512

#endif
