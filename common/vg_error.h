/*
 * vg_error: the one way vigil's functions report what went wrong.
 *
 * A function that can fail returns -1 (or NULL) and writes a message with
 * its context (file:line, field, value) into a caller-supplied buffer;
 * vg_errf does the writing and returns -1 so that a failure is one line:
 *     return vg_errf(err, errlen, "field '%s': expected a string", name);
 */
#ifndef VG_ERROR_H
#define VG_ERROR_H

#include <stddef.h>

/* Formats into err (when err and errlen are non-zero). Returns -1. */
int vg_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
