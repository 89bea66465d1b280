/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks on packet bytes that need no DPDK state (unit-tested without
 * EAL): the length an ESP packet must have for its SA, and ESP in UDP
 * (RFC 3948) turned back into plain ESP.
 */
#ifndef ESPGW_PKT_CHECKS_H
#define ESPGW_PKT_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * plen bytes of ESP (header on) can be a packet of an SA with this IV
 * and ICV: header, IV, pad length, next header and ICV at least, and the
 * ciphertext a whole number of cipher blocks (16 for CBC's 16-byte IV, 4
 * otherwise: RFC 4303 2.4).
 */
bool pkt_esp_len_ok(uint32_t plen, uint32_t iv_len, uint32_t icv_len);

/*
 * p (len bytes, an IP header of hl bytes first) is UDP to port 4500
 * carrying ESP (RFC 3948 2.2: not the zero non-ESP marker of IKE, not a
 * keepalive, not a fragment, lengths that agree): the IP header is made
 * ESP's and moved up over the UDP header; the packet then starts 8 bytes
 * later (tunnel mode discards the outer header anyway; espgw refuses UDP
 * encapsulation for transport SAs). 0, or -1 for anything else (left as
 * it was).
 */
int pkt_natt_strip(uint8_t *p, uint32_t len, int family, uint32_t hl);

#endif
