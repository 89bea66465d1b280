/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS client (radius.c): EAP passed through to a RADIUS server
 * (RFC 3579) for connections with `eap: radius`. radcli does the protocol
 * and blocks, so it runs on a thread of its own; the control thread hands
 * it requests and takes the answers back from radius_poll, never waiting.
 */
#ifndef ESPGW_RADIUS_H
#define ESPGW_RADIUS_H

#include <stddef.h>
#include <stdint.h>

#include "common/desc.h"
#include "control/ike/ike.h"

/* (re)starts the client for d (server family 0: stops it); 0, or -1 with err */
int radius_configure(const struct radius_desc *d, char *err, size_t el);
void radius_stop(void);
/* one EAP packet of an IKE SA's peer to the server: 0 once queued */
int radius_eap(const struct ike_aaa_req *r);
/* the answers that came back, each to fn (the control thread) */
void radius_poll(void (*fn)(uint64_t spi_i, uint64_t spi_r, const struct ike_aaa_result *r));

struct radius_stats {
	uint64_t requests, accepts, rejects, challenges, timeouts, errors;
};
void radius_get_stats(struct radius_stats *s);

#endif
