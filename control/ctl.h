/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-thread state: the one writer of configuration and SA state. */
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

/* msgs.c: messages to every worker; freed after the last ack, after
 * m->done ran */
void ctl_msgs_init(dp_event_fn ev);
struct dp_msg *ctl_msg_new(enum dp_msg_type t, void *obj, void *old);
void ctl_msg_post(struct dp_msg *m);
void ctl_post(enum dp_msg_type t, void *obj, void *old);
void ctl_poll_rings(void);
void ctl_quit(void);

/* tpol.c: IKE's per-tunnel policies (the workers' per-prefix tables) */
int ctl_tpol_init(unsigned max);
bool ctl_tpol_add(const struct policy_desc *p, struct dp_sa *sa);
void ctl_tpol_del(unsigned i);
int ctl_tpol_by_name(const char *name);
int ctl_tpol_by_sa(const char *sa);

/* sa_mgr.c */
int ctl_init_tables(struct espgw_config *c, char *err, size_t el);
int ctl_apply(const struct espgw_config *nc, char *err, size_t el);
int ctl_sa_add(const struct sa_desc *d, char *err, size_t el);
int ctl_sa_del(const char *name, char *err, size_t el);
int ctl_policy_add(const struct policy_desc *p, char *err, size_t el);
int ctl_policy_del(const char *name, char *err, size_t el);
/* IKE's policies in the workers' per-tunnel tables (not in ctl.policies
 * nor the rte_acl SPD), for listings */
unsigned ctl_tunnel_policies(void);
const struct policy_desc *ctl_tunnel_policy(unsigned i);
int ctl_find_sa(const char *name);
void ctl_sa_tick(void);
uint64_t ctl_clock_ns(void);
/* account one pass of the control loop that took ns */
void ctl_loop_stall(uint64_t ns);
/* the longest pass in the last `secs` seconds (<= CTL_STALL_SECS) */
uint64_t ctl_loop_recent_max(unsigned secs);

/* punt.c */
void ctl_punt_poll(void);
void ctl_resolve(uint16_t port, int family, const uint8_t *addr);
void ctl_neigh_expire(void);
void ctl_send_l3(struct rte_mbuf *m, int family, const uint8_t *dst);

/* ike_ctl.c: the IKEv2 engine on the DPDK ports */
struct ike_conn;
int ctl_ike_conn(const struct conn_desc *d, struct ike_conn *c, char *err, size_t el);
/* every connection of c builds (credentials load, proposals parse) */
int ctl_ike_check(const struct espgw_config *c, char *err, size_t el);
/* the engine's connections become nc's; old is the running config or NULL */
int ctl_ike_sync(const struct espgw_config *old, const struct espgw_config *nc, char *err,
		 size_t el);
bool ctl_ike_input(const uint8_t *l3, uint32_t len);
/* a packet hit a trap policy: start the connection whose selectors it matches */
void ctl_ike_acquire(const uint8_t *l3, uint32_t len);
void ctl_ike_timer(void);
void ctl_ike_fini(void);
/* the engine, for listings (ike_show.c) */
struct ike_engine *ctl_ike_engine(void);
/* show ike [sas|conns|stats]: text or JSON, malloc'd; NULL with err */
char *ctl_ike_show(const char *what, bool json, char *err, size_t el);
int ctl_ike_initiate(const char *conn, char *err, size_t el);
int ctl_ike_terminate(const char *conn, char *err, size_t el);
int ctl_ike_rekey(const char *conn, bool ike, char *err, size_t el);

/* telemetry.c */
void ctl_telemetry_init(void);

/* mgmt_conn.c */
int mgmt_open(const struct espgw_config *c);
void mgmt_close(void);
int mgmt_fd(void);
void mgmt_accept(void);
void mgmt_client_event(int fd, uint32_t events);
bool mgmt_is_client(int fd);
void mgmt_tick(void);
extern int mgmt_epfd;
extern volatile int ctl_stop;

#endif
