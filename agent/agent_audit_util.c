/*
 * agent_audit_util: pure helpers of the audit normaliser: decoding the
 * kernel's field encodings, making strings safe for events, lexical path
 * joining, and reading su/sudo command lines. No state, no I/O, so the unit
 * tests exercise them directly.
 */
#include "agent_audit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return false;
	return true;
}

ssize_t agent_audit_decode(const char *raw, char *out, size_t outlen)
{
	size_t n, len;

	if (!raw || !out || outlen == 0)
		return -1;
	n = strlen(raw);
	if (strcmp(raw, "(null)") == 0 || strcmp(raw, "(none)") == 0 || n == 0)
		return -1;
	if (raw[0] == '"') {
		/* "text": the kernel quotes values without special characters. */
		len = n >= 2 && raw[n - 1] == '"' ? n - 2 : n - 1;
		if (len > outlen - 1)
			len = outlen - 1;
		memcpy(out, raw + 1, len);
		out[len] = '\0';
		return (ssize_t)len;
	}
	if (n % 2 == 0 && all_hex(raw, n)) {
		/* Unquoted hex: text with spaces, quotes, control or non-ASCII
		 * bytes. Decoded bytes may include NUL (proctitle). */
		len = n / 2;
		if (len > outlen - 1)
			len = outlen - 1;
		for (size_t i = 0; i < len; i++)
			out[i] = (char)(hexval((unsigned char)raw[2 * i]) << 4 |
			                hexval((unsigned char)raw[2 * i + 1]));
		out[len] = '\0';
		return (ssize_t)len;
	}
	len = n > outlen - 1 ? outlen - 1 : n;
	memcpy(out, raw, len);
	out[len] = '\0';
	return (ssize_t)len;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *agent_audit_sanitize(const char *in, size_t inlen, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, j = 0;

	if (outlen == 0)
		return out;
	while (i < inlen) {
		size_t len = utf8_len(s + i, inlen - i);
		bool escape = len == 0 || (len == 1 && (s[i] < 0x20 || s[i] == 0x7f));
		if (escape) {
			if (j + 4 > outlen - 1)
				break;
			snprintf(out + j, 5, "\\x%02x", s[i]);
			j += 4;
			i++;
		} else {
			if (j + len > outlen - 1)
				break;
			memcpy(out + j, s + i, len);
			j += len;
			i += len;
		}
	}
	out[j] = '\0';
	return out;
}

int agent_audit_path_join(const char *base, const char *name, char *out, size_t outlen)
{
	char buf[8192];
	size_t j = 0;
	bool absolute;
	int n;

	if (!name || outlen == 0)
		return -1;
	if (name[0] == '/' || !base || !base[0])
		n = snprintf(buf, sizeof buf, "%s", name);
	else
		n = snprintf(buf, sizeof buf, "%s/%s", base, name);
	if (n < 0 || (size_t)n >= sizeof buf)
		return -1;
	absolute = buf[0] == '/';

	/* Walk the components, keeping a stack in out. */
	const char *p = buf;
	if (absolute)
		out[j++] = '/';
	size_t root = j;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (j > root) {
				/* Pop the last component (and its slash). */
				while (j > root && out[j - 1] != '/')
					j--;
				if (j > root)
					j--;
				else if (!absolute)
					j = root;
			} else if (!absolute) {
				/* A relative path climbing above its start keeps "..". */
				if (j + 3 > outlen - 1)
					return -1;
				if (j > 0)
					out[j++] = '/';
				memcpy(out + j, "..", 2);
				j += 2;
				root = j;
			}
			/* ".." at "/" stays at "/". */
		} else {
			if (j > 0 && out[j - 1] != '/') {
				if (j + 1 > outlen - 1)
					return -1;
				out[j++] = '/';
			}
			if (j + len > outlen - 1)
				return -1;
			memcpy(out + j, p, len);
			j += len;
		}
		p += len;
	}
	if (j == 0) {
		if (outlen < 2)
			return -1;
		out[j++] = '.';
	}
	out[j] = '\0';
	return 0;
}

/* Options of su(1) (util-linux) and sudo(8) that take a separate argument. */
static bool su_takes_arg(const char *opt)
{
	static const char *const with_arg[] = {
		"-c", "--command", "-s", "--shell", "-g", "--group", "-G", "--supp-group",
		"-w", "--whitelist-environment", "--session-command", NULL,
	};
	for (int i = 0; with_arg[i]; i++)
		if (strcmp(opt, with_arg[i]) == 0)
			return true;
	return false;
}

static bool sudo_short_takes_arg(char c)
{
	return strchr("CDgpRrTtUu", c) != NULL;
}

static bool sudo_long_takes_arg(const char *opt)
{
	static const char *const with_arg[] = {
		"--close-from", "--chdir", "--group", "--host", "--prompt", "--chroot", "--role",
		"--type", "--command-timeout", "--other-user", "--user", NULL,
	};
	for (int i = 0; with_arg[i]; i++)
		if (strcmp(opt, with_arg[i]) == 0)
			return true;
	return false;
}

static const char *sudo_target(int argc, char *const *argv)
{
	const char *user = "root";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!a || a[0] != '-' || strcmp(a, "-") == 0)
			break;                          /* the command starts */
		if (strcmp(a, "--") == 0)
			break;
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');
			if (strncmp(a, "--user=", 7) == 0)
				user = a + 7;
			else if (strcmp(a, "--user") == 0 && i + 1 < argc)
				user = argv[++i];
			else if (strcmp(a, "--list") == 0 || strcmp(a, "--validate") == 0 ||
			         strcmp(a, "--reset-timestamp") == 0 ||
			         strcmp(a, "--remove-timestamp") == 0 || strcmp(a, "--version") == 0 ||
			         strcmp(a, "--help") == 0)
				return NULL;
			else if (!eq && sudo_long_takes_arg(a))
				i++;
			continue;
		}
		/* Bundled short options: -iu bob, -ubob, -n -u bob. */
		for (const char *c = a + 1; *c; c++) {
			if (strchr("lvkKVh", *c))
				return NULL;
			if (sudo_short_takes_arg(*c)) {
				const char *val = c[1] ? c + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (*c == 'u' && val)
					user = val;
				break;
			}
		}
	}
	return user && user[0] ? user : "root";
}

static const char *su_target(int argc, char *const *argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!a)
			break;
		if (strcmp(a, "--") == 0)
			return i + 1 < argc && argv[i + 1] ? argv[i + 1] : "root";
		if (strcmp(a, "-") == 0 || a[0] != '-') {
			if (strcmp(a, "-") == 0)
				continue;               /* "su -" is "su --login" */
			return a;
		}
		if (a[1] == '-') {
			if (!strchr(a, '=') && su_takes_arg(a))
				i++;
			continue;
		}
		/* Bundled short options; an argument-taking one ends the bundle. */
		for (const char *c = a + 1; *c; c++) {
			char opt[3] = {'-', *c, '\0'};
			if (su_takes_arg(opt)) {
				if (!c[1])
					i++;
				break;
			}
		}
	}
	return "root";
}

const char *agent_audit_priv_target(const char *service, int argc, char *const *argv)
{
	if (!service || argc < 1 || !argv)
		return NULL;
	if (strcmp(service, "sudo") == 0)
		return sudo_target(argc, argv);
	if (strcmp(service, "su") == 0)
		return su_target(argc, argv);
	return NULL;
}

bool agent_audit_open_writes(unsigned long flags)
{
	return (flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR ||
	       (flags & (O_CREAT | O_TRUNC)) != 0;
}
