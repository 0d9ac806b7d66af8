/*
 * scen_rng: the scenario generator's random numbers. splitmix64 is small,
 * fast and gives the same numbers on every platform; a stream per person
 * and per host keeps one person's life from shifting everyone else's when a
 * scenario changes what that person does.
 */
#include "scen.h"

#include <math.h>

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed * 0x2545f4914f6cdd1dULL + stream * 0x9e3779b97f4a7c15ULL + 0x5ca1ab1eULL;
	(void)rng_next(r);
}

int rng_int(struct rng *r, int n)
{
	return n <= 1 ? 0 : (int)(rng_next(r) % (uint64_t)n);
}

int rng_range(struct rng *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + rng_int(r, hi - lo + 1);
}

double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

bool rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

double rng_normal(struct rng *r)
{
	/* Box-Muller; 1 - u keeps the logarithm finite. */
	double u = 1.0 - rng_unit(r), v = rng_unit(r);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double rng_lognormal(struct rng *r, double sigma)
{
	return exp(sigma * rng_normal(r));
}
