/* SPDX-License-Identifier: BSD-3-Clause */
/* The inbound SPI index (spi_index.h). */
#include <stddef.h>
#include <string.h>

#include "dataplane/spi_index.h"

static uint32_t
bits_for(uint32_t max)
{
	uint32_t b = 4;

	/* at most half full: probe runs stay short */
	while ((1ull << b) < 2ull * max)
		b++;
	return b;
}

size_t
spi_index_size(uint32_t max)
{
	return sizeof(struct spi_index) + sizeof(struct spi_ent) * (1ull << bits_for(max));
}

void
spi_index_init(struct spi_index *x, uint32_t max)
{
	x->bits = bits_for(max);
	x->n = 0;
	x->max = max;
	memset(x->e, 0, sizeof(struct spi_ent) << x->bits);
}

int
spi_index_add(struct spi_index *x, uint32_t spi, uint32_t tag, void *sa)
{
	uint32_t mask = (1u << x->bits) - 1, i = spi_index_slot(x, spi);

	if (x->n >= x->max || sa == NULL)
		return -1;
	while (x->e[i].sa != NULL)
		i = (i + 1) & mask;
	x->e[i].spi = spi;
	x->e[i].tag = tag;
	x->e[i].sa = sa;
	x->n++;
	return 0;
}

int
spi_index_del(struct spi_index *x, uint32_t spi, void *sa)
{
	uint32_t mask = (1u << x->bits) - 1, i = spi_index_slot(x, spi), j;

	for (;; i = (i + 1) & mask) {
		if (x->e[i].sa == NULL)
			return -1;
		if (x->e[i].spi == spi && x->e[i].sa == sa)
			break;
	}
	/*
	 * Backward shift (Knuth 6.4, algorithm R): pull later entries of the
	 * run into the hole unless their home slot lies cyclically in
	 * (hole, their slot], where moving them would hide them.
	 */
	for (j = i;;) {
		uint32_t k;
		j = (j + 1) & mask;
		if (x->e[j].sa == NULL)
			break;
		k = spi_index_slot(x, x->e[j].spi);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		x->e[i] = x->e[j];
		i = j;
	}
	x->e[i].sa = NULL;
	x->n--;
	return 0;
}
