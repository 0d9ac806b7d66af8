/*
 * policy_asserts.h: assertions the policy unit tests share: a denial must
 * list exactly the expected reason codes, in order; an allowance none.
 * Included by tests/unit/test_policy*.c after cmocka.h.
 */
#ifndef POLICY_ASSERTS_H
#define POLICY_ASSERTS_H

#include "pol.h"

#include <string.h>

static inline void assert_reasons(const struct pol_decision *d, const char *const want[], size_t n)
{
	for (int i = 0; i < d->nreasons && (size_t)i < n; i++)
		if (strcmp(d->reasons[i].code, want[i]) != 0)
			fail_msg("reason %d: got '%s', want '%s'", i, d->reasons[i].code, want[i]);
	if ((size_t)d->nreasons != n) {
		for (int i = 0; i < d->nreasons; i++)
			print_message("  %s\n", d->reasons[i].code);
		fail_msg("got %d reasons, want %zu", d->nreasons, n);
	}
	assert_false(d->allow);
}

#define ASSERT_DENIED(d, ...)                                                                   \
	do {                                                                                    \
		static const char *const want_[] = {__VA_ARGS__};                               \
		assert_reasons(&(d), want_, sizeof want_ / sizeof want_[0]);                    \
	} while (0)

#define ASSERT_ALLOWED(d)                                                                       \
	do {                                                                                    \
		if (!(d).allow || (d).nreasons)                                                 \
			fail_msg("denied: %s", (d).nreasons ? (d).reasons[0].code : "?");       \
		assert_true((d).allow);                                                         \
	} while (0)

#endif
