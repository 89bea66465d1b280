/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's state: the SA slots, the running configuration and
 * tables, its counters. Each module of control/ has its own header.
 */
#ifndef ESPGW_CTL_H
#define ESPGW_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "dataplane/dp_api.h"

/*
 * One SA slot: the data plane's handle, and the descriptor it was made of
 * (the cold half: names, selectors, lifetimes; its keys wiped once the
 * crypto session exists, a digest of them kept to tell a changed SA on
 * reload).
 */
struct ctl_sa {
	struct dp_sa *dp;		/* NULL: slot free */
	struct sa_desc desc;
	uint8_t key_digest[32];
	time_t added;
	bool deleting;
	bool soft_logged;
	bool dynamic;			/* made by IKE: a reload keeps it */
	char conn[NAME_MAX_LEN];	/* IKE's: its connection ("" static) */
	/* mgmt_key_export: the keys kept for `keys esp` (else NULL) */
	uint8_t *xkey;			/* enc (with salt) then auth */
	uint8_t xenc_len, xauth_len;
};

struct ctl_stats {
	uint64_t msgs_posted, msgs_acked;
	uint64_t soft_events, hard_events;
	uint64_t punt_arp, punt_nd, punt_icmp, punt_other, icmp_errors_sent;
	uint64_t icmp_errors_limited;	/* not sent: over the ICMP error rate */
	uint64_t mgmt_requests, mgmt_errors;
	uint64_t mgmt_refused;		/* connections past mgmt_max_clients */
	uint64_t mgmt_dropped;		/* clients cut off: stalled, silent, too long */
	uint64_t ack_lat_ns_last, ack_lat_ns_max;
	uint64_t neigh_held, neigh_released;
	uint64_t drops[ESPGW_DROP_MAX];	/* what the control thread dropped */
	/* the longest the control loop was away from epoll (a stall delays
	 * IKE, DPD, ARP/ND and every client): since start, and per second for
	 * the last CTL_STALL_SECS seconds */
	uint64_t loop_max_ns;
	uint64_t loop_sec_max_ns[16];
	uint64_t loop_sec;		/* second of loop_sec_max_ns[loop_sec % 16] */
};
#define CTL_STALL_SECS 16

struct ctl {
	struct espgw_config *cfg;	/* ports/routes/eal as running */
	struct ctl_sa *sa;		/* [max_sas], by id */
	unsigned max_sas;
	unsigned n_policies;
	struct policy_desc *policies;
	struct dp_spd *spd;
	struct dp_rt *rt;
	unsigned in_flight;		/* messages not yet acked by all */
	struct ctl_stats st;
	time_t started;
};
extern struct ctl ctl;

/* a name as a fixed-size, zero-padded hash key */
static inline void
ctl_name_key(const char *name, char key[NAME_MAX_LEN])
{
	size_t n = strnlen(name, NAME_MAX_LEN - 1);

	memset(key, 0, NAME_MAX_LEN);
	memcpy(key, name, n);
}

extern volatile int ctl_stop;

#endif
