/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole worker pipeline with SAs and policies
 * configured (tests/dp/dp_harness): classify, SPD, SAD, ESP both ways,
 * the selector check, routing, ICMP and punts. Records of
 *   [kind][len lo][len hi][bytes]:
 *   kind % 4 == 0: a raw frame arriving on the outside port
 *   kind % 4 == 1: a raw frame arriving on the inside port (the SPD, ESP
 *                  encryption, fragmentation, ICMP errors)
 *   kind % 4 == 2: the bytes as the inner packet of valid ESP on an
 *                  inbound SA (kind / 4 picks SA, next header, number):
 *                  decryption, trailer, inner parsing, selectors, routing
 *   kind % 4 == 3: end of the burst
 * Every mbuf must come back to its pool: nothing leaks, nothing is freed
 * twice.
 */
#include <string.h>

#include <rte_mempool.h>

#include "tests/dp/dp_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dph_sa sas[] = {
	{ "aes-gcm-128", 64, false, 0, 0 },
	{ "aes-cbc-128-sha256", 64, true, 0, 0 },
};
#define NSA (sizeof(sas) / sizeof(sas[0]))

DPH_FUZZ_INIT(sas)

static void
run(uint16_t port, struct rte_mbuf **m, unsigned *n)
{
	struct dph_out out;

	if (*n > 0)
		dph_burst(port, m, *n, &out);
	*n = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t nhs[] = { IPPROTO_IPIP, IPPROTO_IPV6, 0, 59 };
	struct rte_mbuf *m[2][32];
	unsigned n[2] = { 0, 0 }, seq = 1;
	struct rte_mempool *pool = NULL;
	unsigned in_use;

	{
		struct rte_mbuf *probe = dph_frame(data, 0);
		pool = probe->pool;
		rte_pktmbuf_free(probe);
	}
	in_use = rte_mempool_in_use_count(pool);
	for (size_t off = 0; off + 3 <= size;) {
		uint8_t kind = data[off];
		size_t len = data[off + 1] | (size_t)data[off + 2] << 8;

		off += 3;
		if (len > size - off)
			len = size - off;
		switch (kind % 4) {
		case 0:
		case 1:
			m[kind % 4][n[kind % 4]++] = dph_frame(data + off, (uint16_t)len);
			break;
		case 2:
			m[0][n[0]++] = dph_esp_payload((kind >> 2) % NSA, seq++, data + off,
						       (unsigned)len, nhs[(kind >> 3) % 4],
						       (kind & 0x80) != 0);
			break;
		default:
			run(DPH_PORT_OUTSIDE, m[0], &n[0]);
			run(DPH_PORT_INSIDE, m[1], &n[1]);
		}
		off += len;
		if (n[0] == 32)
			run(DPH_PORT_OUTSIDE, m[0], &n[0]);
		if (n[1] == 32)
			run(DPH_PORT_INSIDE, m[1], &n[1]);
	}
	run(DPH_PORT_OUTSIDE, m[0], &n[0]);
	run(DPH_PORT_INSIDE, m[1], &n[1]);
	/* the control thread's punts were freed by dph_burst; holds too */
	if (rte_mempool_in_use_count(pool) != in_use)
		__builtin_trap();
	return 0;
}
