/*
 * agent_audit: the agent's audit intake. The only code in vigil that reads
 * Linux audit records.
 *
 * Records arrive either as text lines on standard input (auditd runs the
 * agent as a plugin, `format = string`) or as netlink messages from the
 * kernel's audit multicast group (AUDIT_NLGRP_READLOG). Both are fed to one
 * auparse instance (AUSOURCE_FEED); when auparse has assembled an event
 * (SYSCALL + CWD + PATH + PROCTITLE + EXECVE ... sharing
 * audit(sec.msec:serial)) the normaliser turns it into at most one schema v1
 * event and hands it to a sink: agent_emit() in the daemon, a test's
 * collector in the unit tests.
 *
 *   watched path (rule key)     -> file_access (op read/write/attr)
 *   execve                      -> exec, or privilege for su/sudo
 *   mount of removable media    -> media
 *   CONFIG_CHANGE, DAEMON_*     -> agent (audit_config_change, auditd_start...)
 *   kernel lost counter rises   -> agent (audit_loss)
 *   USER_*, CRED_*, LOGIN       -> ignored: pam_vigil.so reports logins
 *
 * Event time is the record's timestamp, never the clock at reading time.
 * Events of the agent's own pid are dropped (feedback loop), and the kernel
 * is asked not to generate them at all (agent_audit_exclude_self).
 *
 * Not thread-safe: one intake thread owns a struct agent_audit. docs/audit.md
 * has the whole mapping and the reasons behind it.
 */
#ifndef AGENT_AUDIT_H
#define AGENT_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct agent;
struct agent_audit;

/* Receives one finished event and owns it from then on (as agent_emit does).
 * Returns 0 stored, 1 dropped, -1 error; the intake only counts failures. */
typedef int (*agent_audit_sink_fn)(void *ctx, json_t *ev);

/* Writes the account name of uid into name[len] and returns 0, or returns -1
 * when uid has no name. The default uses getpwuid_r. */
typedef int (*agent_audit_user_fn)(void *ctx, uint32_t uid, char *name, size_t len);

/* ---- lifecycle ---------------------------------------------------------- */

/* The daemon's intake: events go to agent_emit(a, ...), host and own pid come
 * from a. When the process may control audit (root), it also opens an audit
 * control socket, installs the kernel exclusion of a->pid
 * (agent_audit_exclude_self) and lets agent_audit_tick poll the kernel's lost
 * counter; without that right it logs a warning and works without them
 * (the own pid is then filtered in user space only).
 * NULL on allocation failure. */
struct agent_audit *agent_audit_new(struct agent *a);

/* A bare normaliser that passes events to sink(ctx, ev); no kernel access,
 * no host, no own pid until set below. NULL on allocation failure. */
struct agent_audit *agent_audit_new_with_sink(agent_audit_sink_fn sink, void *ctx);

/* Flushes nothing: pending, incomplete events are discarded (call
 * agent_audit_flush first to keep them). Removes the kernel exclusion rule
 * installed by agent_audit_new. NULL is allowed. */
void agent_audit_free(struct agent_audit *aa);

/* Settings (NULL/0 clears). host is copied. */
int agent_audit_set_host(struct agent_audit *aa, const char *host);
void agent_audit_set_self_pid(struct agent_audit *aa, pid_t pid);
void agent_audit_set_user_lookup(struct agent_audit *aa, agent_audit_user_fn fn, void *ctx);
/* Root of sysfs for the removable-media check ("/sys" by default); copied. */
int agent_audit_set_sysfs_root(struct agent_audit *aa, const char *dir);

/* Opens an audit control socket (audit_open) for aa, installs the kernel
 * exclusion of the own pid when one is set, and makes agent_audit_tick poll
 * the kernel status; agent_audit_free undoes it. agent_audit_new calls this.
 * Returns 0; 1 when only the exclusion rule was refused (locked audit
 * configuration; logged, status polling works); -errno when there is no
 * control socket (EPERM without CAP_AUDIT_CONTROL). */
int agent_audit_attach_kernel(struct agent_audit *aa);

/* ---- input -------------------------------------------------------------- */

/* Feeds raw text in auditd's string format (one record per line, EOE lines
 * included); data may split lines anywhere. Events are normalised as auparse
 * completes them: an event ended by its EOE is handed over when the next
 * record arrives or at the next agent_audit_tick, so the last event of a
 * quiet spell waits at most one tick. Returns 0, or -1 when auparse fails. */
int agent_audit_feed(struct agent_audit *aa, const char *data, size_t len);

/* End of input: completes and normalises every pending event. */
int agent_audit_flush(struct agent_audit *aa);

/* Call about once a second: hands over events ended by EOE, completes those
 * whose EOE never came (records lost, or types the kernel ends without EOE)
 * once auparse's timeout has passed, and, for agent_audit_new's
 * intake, polls the kernel's lost counter every AGENT_AUDIT_STATUS_EVERY_S. */
void agent_audit_tick(struct agent_audit *aa);
#define AGENT_AUDIT_STATUS_EVERY_S 5

/* Opens a non-blocking NETLINK_AUDIT socket bound to the multicast group
 * AUDIT_NLGRP_READLOG (needs CAP_AUDIT_READ) with a large receive buffer.
 * Returns the fd, or -1 with a reason in err. */
int agent_audit_netlink_open(char *err, size_t errlen);

/* Reads what the multicast socket holds without blocking (at most
 * AGENT_AUDIT_NETLINK_BATCH datagrams; poll again for more) and feeds each
 * record as "type=NAME msg=...". A receive-queue overrun (ENOBUFS: the kernel
 * dropped records for this slow reader) is reported once per call as an
 * agent event "audit_netlink_overrun". Returns the number of records fed, or
 * -1 when the socket failed (not for EAGAIN or ENOBUFS). */
int agent_audit_netlink_read(struct agent_audit *aa, int fd);
#define AGENT_AUDIT_NETLINK_BATCH 512

/* ---- kernel control (audit_fd from libaudit's audit_open()) ------------- */

/* Installs `-a never,exit -F pid=PID -k vigil-self` at the front of the exit
 * list, so the kernel generates no syscall records for the agent. First
 * removes vigil-self rules left by agents that died without removing theirs
 * (their pid is gone or now runs another program). Returns 0 or -errno. */
int agent_audit_exclude_self(int audit_fd, pid_t pid);

/* Removes the rule agent_audit_exclude_self installed for pid. Returns 0
 * (also when there was none) or -errno. */
int agent_audit_exclude_self_remove(int audit_fd, pid_t pid);

struct agent_audit_kstatus {
	uint32_t enabled, failure, pid, backlog_limit, lost, backlog;
};

/* Asks the kernel for its audit status (AUDIT_GET), waiting at most
 * timeout_ms for the answer. Returns 0 or -errno. */
int agent_audit_kernel_status(int audit_fd, struct agent_audit_kstatus *st, int timeout_ms);

/* Polls the kernel status and reports through agent_audit_status_update.
 * Returns 0, or -errno when the kernel did not answer. */
int agent_audit_check_lost(struct agent_audit *aa, int audit_fd);

/* Compares a status with the previous one: a rise of the lost counter emits
 * an agent event "audit_loss" (detail.lost = the rise, detail.lost_total),
 * auditing switched off emits "audit_disabled" (also at the first status when
 * it is already off), switched back on "audit_enabled". The first status only
 * sets the baseline for lost. time_ms stamps the events. Returns the number
 * of events emitted. */
int agent_audit_status_update(struct agent_audit *aa, const struct agent_audit_kstatus *st,
                              int64_t time_ms);

/* ---- counters ----------------------------------------------------------- */

struct agent_audit_stats {
	uint64_t records;        /* records given to auparse */
	uint64_t events;         /* events auparse assembled */
	uint64_t emitted;        /* events handed to the sink */
	uint64_t sink_failed;    /* ... that the sink refused */
	uint64_t self;           /* dropped: the agent's own pid */
	uint64_t ignored;        /* not reportable (PAM records, unkeyed syscalls...) */
	uint64_t unresolved;     /* file events whose path stayed relative */
	uint64_t overruns;       /* netlink ENOBUFS */
};
void agent_audit_get_stats(const struct agent_audit *aa, struct agent_audit_stats *st);

/* ---- helpers, exposed for the unit tests (agent_audit_util.c) ----------- */

/* Decodes an audit field value as the kernel writes it: "quoted" text, hex
 * for text with special characters, "(null)"/"(none)" for nothing. Returns
 * the decoded length (NUL-terminated in out, truncated to outlen - 1), or -1
 * for "nothing". */
ssize_t agent_audit_decode(const char *raw, char *out, size_t outlen);

/* Copies in to out making it a safe JSON/event string: valid UTF-8 is kept,
 * control characters, DEL and invalid bytes become \xNN. Truncates on a
 * character boundary. Returns out. */
char *agent_audit_sanitize(const char *in, size_t inlen, char *out, size_t outlen);

/* Joins base and name (name absolute: base ignored) and removes ".", ".."
 * and repeated slashes lexically. out gets an absolute path when base or name
 * is absolute. Returns 0, or -1 when it does not fit. */
int agent_audit_path_join(const char *base, const char *name, char *out, size_t outlen);

/* The account a su or sudo command line switches to: `su - bob` -> bob,
 * `sudo -u bob cmd` -> bob, no account named -> root. service is "su" or
 * "sudo". Returns a pointer into argv, "root", or NULL when the command
 * line does not switch accounts (sudo -l, -v, -k, -V, -h). */
const char *agent_audit_priv_target(const char *service, int argc, char *const *argv);

/* Whether open flags (O_*) ask for writing: O_WRONLY, O_RDWR, O_CREAT,
 * O_TRUNC. */
bool agent_audit_open_writes(unsigned long flags);

#endif
