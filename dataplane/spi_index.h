/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's inbound SPI index: SPI -> SAs, open addressing with linear
 * probing and backward-shift deletion, sized at creation to twice the SAs
 * it may hold, so a lookup is one hash and usually one cache line. SPIs
 * may repeat (an SA per destination, RFC 4301 4.1); the caller picks
 * among the SAs of one SPI. No DPDK: tested against a model in unit-dp.
 */
#ifndef ESPGW_SPI_INDEX_H
#define ESPGW_SPI_INDEX_H

#include <stdbool.h>
#include <stdint.h>

struct spi_ent {
	uint32_t spi;
	uint32_t tag;			/* the caller's, e.g. lookup type */
	void *sa;			/* NULL: empty slot */
};

struct spi_index {
	uint32_t bits, n, max;
	struct spi_ent e[];
};

/* bytes for an index of up to max entries; then spi_index_init on them */
size_t spi_index_size(uint32_t max);
void spi_index_init(struct spi_index *x, uint32_t max);
/* -1: full */
int spi_index_add(struct spi_index *x, uint32_t spi, uint32_t tag, void *sa);
/* -1: (spi, sa) not there */
int spi_index_del(struct spi_index *x, uint32_t spi, void *sa);

static inline uint32_t
spi_index_slot(const struct spi_index *x, uint32_t spi)
{
	/* Fibonacci hashing: sequential (static) and random (IKE) SPIs spread */
	return (uint32_t)((spi * 0x9e3779b1u) >> (32 - x->bits));
}

/*
 * The entries of spi from slot *pos on (start: *pos = spi_index_slot());
 * NULL when there are no more. Entries of other SPIs are skipped.
 */
static inline const struct spi_ent *
spi_index_next(const struct spi_index *x, uint32_t spi, uint32_t *pos)
{
	uint32_t mask = (1u << x->bits) - 1;

	for (;;) {
		const struct spi_ent *e = &x->e[*pos & mask];
		if (e->sa == NULL)
			return NULL;
		*pos = (*pos + 1) & mask;
		if (e->spi == spi)
			return e;
	}
}

#endif
