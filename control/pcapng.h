/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcapng blocks (draft-ietf-opsawg-pcapng) into a reply buffer: a section
 * header, interface descriptions, enhanced packet blocks with direction
 * flags and a comment. No DPDK: unit-tested alone.
 */
#ifndef ESPGW_PCAPNG_H
#define ESPGW_PCAPNG_H

#include <stdint.h>

#include "control/mgmt.h"

#define PCAPNG_LINK_ETHERNET 1
#define PCAPNG_LINK_RAW 101		/* IPv4 or IPv6, told by the version nibble */

enum pcapng_dir { PCAPNG_DIR_NONE, PCAPNG_DIR_IN, PCAPNG_DIR_OUT };

void pcapng_shb(struct sbuf *b, const char *appl);
/* nanosecond timestamps */
void pcapng_idb(struct sbuf *b, uint16_t linktype, uint32_t snaplen, const char *name);
void pcapng_epb(struct sbuf *b, uint32_t ifid, uint64_t ts_ns, const void *data, uint32_t caplen,
		uint32_t origlen, enum pcapng_dir dir, const char *comment);

#endif
