/*
 * vg_token: bearer tokens for agents and officers.
 *
 * A token is 32 random bytes from getrandom(2) written as 64 hex digits. The
 * collector stores only the SHA-256 of a token (hex), so a stolen database
 * does not yield working credentials.
 */
#ifndef VG_TOKEN_H
#define VG_TOKEN_H

#include <stddef.h>

#define VG_TOKEN_HEX_LEN 64   /* characters, without the NUL */

/* Writes a fresh token into out[VG_TOKEN_HEX_LEN + 1]. Returns 0 or -1. */
int vg_token_new(char out[VG_TOKEN_HEX_LEN + 1]);

/* Writes the hex SHA-256 of data[0..len) into out[VG_TOKEN_HEX_LEN + 1].
 * Returns 0 or -1. */
int vg_sha256_hex(const void *data, size_t len, char out[VG_TOKEN_HEX_LEN + 1]);

/* Writes data[0..n) as 2n lowercase hex digits and a NUL into out. */
void vg_hex_encode(const void *data, size_t n, char *out);

/* Compares two equal-length strings in time independent of their content. */
int vg_token_equal(const char *a, const char *b, size_t len);

#endif
