/*
 * vg_token: random bearer tokens and their SHA-256 digests (GnuTLS).
 */
#include "vg_token.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sys/random.h>

void vg_hex_encode(const void *data, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *in = data;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int vg_token_new(char out[VG_TOKEN_HEX_LEN + 1])
{
	unsigned char raw[VG_TOKEN_HEX_LEN / 2];
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	vg_hex_encode(raw, sizeof raw, out);
	return 0;
}

int vg_sha256_hex(const void *data, size_t len, char out[VG_TOKEN_HEX_LEN + 1])
{
	unsigned char digest[32];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, digest) < 0)
		return -1;
	vg_hex_encode(digest, sizeof digest, out);
	return 0;
}

int vg_token_equal(const char *a, const char *b, size_t len)
{
	unsigned char diff = 0;
	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}
