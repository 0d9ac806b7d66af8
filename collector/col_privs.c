/*
 * col_privs: switching the collector from root to its own user (see
 * col_privs.h). Raw setgroups/setresgid/setresuid, each checked, then a
 * test that the way back is closed.
 */
#include "col_privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define COL_DEFAULT_USER "vigil"

int col_privs_resolve(const struct col_config *cfg, struct col_runas *ra, char *err, size_t errlen)
{
	const char *name = cfg->user ? cfg->user : COL_DEFAULT_USER;
	memset(ra, 0, sizeof *ra);
	snprintf(ra->name, sizeof ra->name, "%s", name);
	ra->uid = geteuid();
	ra->gid = getegid();
	errno = 0;
	struct passwd *pw = getpwnam(name);
	if (!pw) {
		if (cfg->user) {
			snprintf(err, errlen, "%s: user '%s' does not exist (create it with "
			         "useradd --system --no-create-home --shell /usr/sbin/nologin %s)",
			         cfg->path, name, name);
			return -1;
		}
		if (geteuid() == 0)
			ra->note = "running as root: there is no account '" COL_DEFAULT_USER "' and the "
			           "configuration has no 'user'; create the account or set user";
		snprintf(ra->name, sizeof ra->name, "%s", geteuid() == 0 ? "root" : "(current user)");
		return 0;
	}
	if (geteuid() != 0) {
		/* Not root: nothing to give up; only say so when it differs. */
		if (pw->pw_uid != geteuid() && cfg->user)
			ra->note = "not started as root: cannot switch to the configured user; "
			           "running as the current user";
		return 0;
	}
	if (pw->pw_uid == 0) {
		if (!cfg->user || strcmp(cfg->user, "root") != 0) {
			snprintf(err, errlen, "%s: user '%s' has uid 0; name an unprivileged account "
			         "(or \"root\" to keep root on purpose)", cfg->path, name);
			return -1;
		}
		return 0;            /* user = "root": the administrator's choice */
	}
	ra->drop = 1;
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	return 0;
}

/* Whether uid/gid (and no other group) may write and search st. */
static int can_write_dir(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return (st->st_mode & 0300) == 0300;
	if (st->st_gid == gid)
		return (st->st_mode & 0030) == 0030;
	return (st->st_mode & 0003) == 0003;
}

int col_privs_check_database(const struct col_config *cfg, const struct col_runas *ra, char *err,
                             size_t errlen)
{
	char dir[4096], path[4200];
	struct stat st;

	if (!ra->drop)
		return 0;
	snprintf(dir, sizeof dir, "%s", cfg->database);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "database directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || !can_write_dir(&st, ra->uid, ra->gid)) {
		snprintf(err, errlen, "database directory %s (owner uid %u, mode %04o) is not writable by "
		         "user %s (uid %u), whom the collector runs as: chown %s: %s",
		         dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), ra->name,
		         (unsigned)ra->uid, ra->name, dir);
		return -1;
	}
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(path, sizeof path, "%s%s", cfg->database, suffixes[i]);
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode) || st.st_uid != ra->uid) {
			snprintf(err, errlen, "%s is owned by uid %u, but the collector runs as user %s "
			         "(uid %u): chown %s: %s*", path, (unsigned)st.st_uid, ra->name,
			         (unsigned)ra->uid, ra->name, cfg->database);
			return -1;
		}
	}
	return 0;
}

int col_privs_drop(const struct col_runas *ra, char *err, size_t errlen)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (!ra->drop)
		return 0;
	if (setgroups(1, &ra->gid) < 0) {
		snprintf(err, errlen, "setgroups(%u): %s", (unsigned)ra->gid, strerror(errno));
		return -1;
	}
	if (setresgid(ra->gid, ra->gid, ra->gid) < 0) {
		snprintf(err, errlen, "setresgid(%u): %s", (unsigned)ra->gid, strerror(errno));
		return -1;
	}
	if (setresuid(ra->uid, ra->uid, ra->uid) < 0) {
		snprintf(err, errlen, "setresuid(%u): %s", (unsigned)ra->uid, strerror(errno));
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 ||
	    ruid != ra->uid || euid != ra->uid || suid != ra->uid || rgid != ra->gid ||
	    egid != ra->gid || sgid != ra->gid) {
		snprintf(err, errlen, "after switching to %s the process ids are not %u/%u", ra->name,
		         (unsigned)ra->uid, (unsigned)ra->gid);
		return -1;
	}
	/* The way back must be closed: these must fail now. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
		snprintf(err, errlen, "after switching to %s, root could be regained", ra->name);
		return -1;
	}
	/* Nothing the collector runs later may gain privileges (setuid programs). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int col_privs_become(const struct col_config *cfg, char *err, size_t errlen)
{
	struct col_runas ra;
	if (col_privs_resolve(cfg, &ra, err, errlen) < 0 || col_privs_check_database(cfg, &ra, err, errlen) < 0 ||
	    col_privs_drop(&ra, err, errlen) < 0)
		return -1;
	return 0;
}
