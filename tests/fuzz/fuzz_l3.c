/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the IP header parser every worker runs on received
 * packets (and on decrypted inner packets), on arbitrary bytes.
 */
#include <string.h>

#include "dataplane/worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	struct rte_mbuf m;
	struct pkt_info pi;

	if (size > sizeof(buf))
		return 0;
	/* an exact-size copy, so reading past the packet is a sanitizer error */
	uint8_t *copy = __builtin_alloca(size ? size : 1);
	memcpy(copy, data, size);
	memset(&m, 0, sizeof(m));
	m.buf_addr = copy;
	m.data_off = 0;
	m.data_len = size;
	m.pkt_len = size;
	m.nb_segs = 1;
	if (pkt_parse_l3(&m, &pi) == 0) {
		unsigned alen = pi.family == AF_INET ? 4 : 16;
		/* addresses must lie inside the packet */
		if (pi.src < copy || pi.dst + alen > copy + size)
			__builtin_trap();
	}
	return 0;
}
