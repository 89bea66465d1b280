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

/* one Accounting-Request (RFC 2866) */
enum radius_acct_type { RADIUS_ACCT_START = 1, RADIUS_ACCT_STOP = 2, RADIUS_ACCT_INTERIM = 3 };
struct radius_acct {
	enum radius_acct_type type;
	char session_id[32];
	char user[USER_NAME_LEN];
	char calling[IP_ADDR_STRLEN], called[IP_ADDR_STRLEN];
	struct ip_addr vip;		/* Framed-IP-Address (family 0: none) */
	uint64_t in_bytes, out_bytes, in_pkts, out_pkts;
	uint32_t seconds;		/* Acct-Session-Time (interim, stop) */
	uint32_t cause;			/* stop: Acct-Terminate-Cause */
};
/* queued for the server: 0, or -1 (none configured, out of memory) */
int radius_accounting(const struct radius_acct *a);
/* the configuration in force wants accounting, with updates this often (s) */
bool radius_acct_on(unsigned *interim);

struct radius_stats {
	uint64_t requests, accepts, rejects, challenges, timeouts, errors;
	uint64_t acct_sent, acct_failed;
};
void radius_get_stats(struct radius_stats *s);

#endif
