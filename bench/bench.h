/* SPDX-License-Identifier: BSD-3-Clause */
/* What espgw-bench's files share: a run's result, frame sizes, the raw ceiling. */
#ifndef ESPGW_BENCH_H
#define ESPGW_BENCH_H

#include <stddef.h>
#include <stdint.h>

struct result {
	uint64_t pkts, bytes, cycles;
};

/* the Ethernet frame size of template i: size, or IMIX 7:4:1 of 64/576/1500 (size -1) */
static inline unsigned
bench_frame_size(int size, unsigned i)
{
	static const unsigned imix[12] = { 64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500 };

	return size > 0 ? (unsigned)size : imix[i % 12];
}

/* bench_raw.c: Intel IPsec-MB alone on the same sizes and algorithm */
struct result bench_raw(const char *alg, int size, double seconds, const uint8_t *key_out,
			const uint8_t *auth_key);

/* bench_ctl.c: the control plane's modes; extra gets the CSV's extra fields */
struct result bench_install(unsigned sas, char *extra, size_t el);
struct result bench_tunnels(unsigned sas, char *extra, size_t el);

#endif
