/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two IKE engines, eng[0] ("c0", 198.18.0.1) and eng[1] ("c1",
 * 198.18.0.2), over an in-memory link: datagrams are queued, can be lost
 * (drop_mask: the k-th datagram sent; drop_next_from), duplicated with the
 * copy delivered first (dup_every), captured (capturing); the callbacks
 * record CHILD_SA ups, downs, routes and their keys.
 */
#ifndef ESPGW_TEST_IKE_LINK_H
#define ESPGW_TEST_IKE_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "control/ike/ike.h"

#define QMAX 64
struct dgram {
	int to;				/* engine index */
	struct ike_ep from, dst;
	size_t len;
	uint8_t b[IKE_MAX_MSG];
};
#define CAP_MAX 256

extern struct dgram *q[QMAX];
extern unsigned qn, sent_count, drop_mask, dup_every;
extern int drop_next_from;
extern int link_mute_on_up;		/* that engine goes mute when its IKE SA is up */
void link_mute(int side);		/* all of that engine lost from now (-1: none) */
extern struct ike_engine *eng[2];
extern struct ike_child_info up[2];
extern uint8_t upkeys[2][2][IKE_MAX_KEY];
extern int ups[2], downs[2], ike_ups[2], routes[2], unroutes[2];
/* sessions (IKE SAs across their rekeys) begun and ended, and the last end's reason */
extern int session_ups[2], session_downs[2];
extern enum ike_end session_end[2];
/* MOBIKE or a moved NAT: the CHILD_SAs each side re-pointed, the last one */
extern int moves[2];
extern struct ike_child_info move_last[2];
/* an AAA server for eap: radius connections (NULL: none can be asked) */
extern int (*link_aaa)(int side, const struct ike_aaa_req *r);
/* a NAT in front of a side: its datagrams arrive from there (family 0: none) */
extern struct ike_ep link_nat[2];
extern struct dgram *cap[CAP_MAX];
extern unsigned ncap;
extern bool capturing;
extern const struct ike_ops link_ops;
extern bool resp_any;			/* the responder takes any peer address */
extern uint16_t link_frag;		/* RFC 7383 fragment size, 0 = off */
extern uint32_t link_times[4];		/* ike_rekey, child_rekey, ike_life, child_life */
extern bool link_more;			/* two more CHILD_SAs per connection */
extern uint32_t link_version;		/* 1 or 2 (default) */
extern bool link_aggressive;
/* remote access: c1 an XAUTH server with users alice and bob and pool rw4
 * (link_pool, FIRST-LAST, default 10.9.0.1-10.9.0.6), c0 its client as link_user with
 * link_password asking for a virtual IP */
extern bool link_ra;
extern const char *link_user, *link_password, *link_pool;
/* per-side changes to the connections, after the above (NULL: none) */
extern void (*link_tweak)(int side, struct conn_desc *c);

/* both engines anew with these proposals */
void link_setup(const char *ike_prop, const char *esp_prop);
/* side's connection as link_setup makes it (before link_ra and link_tweak) */
void link_conn_desc(int side, const char *ike_prop, const char *esp_prop, struct conn_desc *c);
/* both engines and what is queued go; the settings above back to defaults */
void link_teardown(void);
/* deliver everything queued, run timers, for ms of simulated time */
void link_run(uint64_t *now, uint64_t ms);

/* one side's view (ike_foreach with link_view_fn): its IKE_SAs, installed
 * CHILD_SAs, the routed pair */
struct link_view {
	unsigned ike_sas, children;
	uint32_t spi_in, spi_out;
	uint64_t spi_i, spi_r;
};
void link_view_fn(void *ctx, const struct ike_sa_info *i);

/* every captured datagram to its engine with each byte flipped in turn,
 * cut at each length, then once as it was (from elsewhere's address when
 * not NULL); what they draw is discarded. Returns the mutated inputs. */
unsigned link_replay_mutated(uint64_t now, const struct ip_addr *elsewhere);

#endif
