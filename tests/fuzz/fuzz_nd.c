/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the option walk of a received neighbour solicitation
 * or advertisement (control/nd.c), from the ICMPv6 header on, against a
 * model written from RFC 4861 4.6 and 7.1 apart from it. The first byte
 * picks the option asked for; the message is copied to a buffer of its
 * exact size, so a read past it is caught.
 */
#include <stdlib.h>
#include <string.h>

#include "control/nd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* options of 8-byte units, none of length 0, exactly filling the message */
static int
model(const uint8_t *p, size_t len, uint8_t opt, uint8_t mac[6])
{
	size_t o = 24;
	int found = 0;

	if (len < 24)
		return -1;
	while (o < len) {
		size_t l;
		if (len - o < 2)
			return -1;
		l = (size_t)p[o + 1] * 8;
		if (l == 0 || l > len - o)
			return -1;
		if (p[o] == opt && l == 8) {	/* Ethernet: 2 + 6 bytes */
			memcpy(mac, p + o + 2, 6);
			found = 1;
		}
		o += l;
	}
	return found;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_ether_addr got = { { 0 } };
	uint8_t want[6] = { 0 }, opt, *msg;
	int rc, ref;

	if (size == 0)
		return 0;
	opt = data[0] & 1 ? ND_OPT_TARGET_LL : ND_OPT_SOURCE_LL;
	msg = malloc(size - 1 ? size - 1 : 1);
	if (msg == NULL)
		return 0;
	memcpy(msg, data + 1, size - 1);
	rc = nd_lladdr(msg, (uint32_t)(size - 1), opt, &got);
	ref = model(msg, size - 1, opt, want);
	if (rc != ref || (rc == 1 && memcmp(got.addr_bytes, want, 6) != 0))
		abort();
	free(msg);
	return 0;
}
