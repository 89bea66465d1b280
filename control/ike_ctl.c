/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine inside espgw: IKE datagrams arrive through the punt
 * ring (UDP 500, and 4500 behind the non-ESP marker; the workers take ESP
 * in UDP 4500 themselves) and leave through the control thread's TX path.
 * Each CHILD_SA becomes an inbound SA, an outbound SA and a protect policy
 * in the data plane, through the same SA manager as configured SAs, with
 * UDP encapsulation when NAT-T was negotiated.
 */
#define LOG_SUBSYS LOG_SS_IKE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/ike_ctl.h"
#include "control/acct.h"
#include "control/punt.h"
#include "control/radius.h"
#include "control/sa_mgr.h"
#include "control/ike/ike.h"

static struct ike_engine *eng;
static uint64_t next_timer;

/* ---- datagrams out ---- */

static void
ike_send(void *ctx, const struct ike_ep *local, const struct ike_ep *remote,
	 const uint8_t *buf, size_t len)
{
	bool v4 = local->addr.family == AF_INET;
	/* the non-ESP marker on 4500, except on a NAT keepalive (RFC 3948 2.3) */
	bool natt = local->port == IKE_NATT_PORT && !(len == 1 && buf[0] == 0xff);
	uint32_t hl = v4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint32_t ulen = sizeof(struct rte_udp_hdr) + (natt ? 4 : 0) + len;
	struct rte_mbuf *m = NULL;
	struct rte_udp_hdr *u;
	uint8_t *p;

	(void)ctx;
	if (hl + ulen > 1500 || (m = rte_pktmbuf_alloc(dp_ctl_pool())) == NULL ||
	    (p = (uint8_t *)rte_pktmbuf_append(m, hl + ulen)) == NULL) {
		/* a fragment_size above the port's MTU: larger messages drop */
		ctl.st.drops[ESPGW_DROP_ENCAP_FAILED]++;
		if (m)
			rte_pktmbuf_free(m);
		return;
	}
	memset(p, 0, hl + sizeof(*u) + 4);
	u = (struct rte_udp_hdr *)(p + hl);
	u->src_port = rte_cpu_to_be_16(local->port);
	u->dst_port = rte_cpu_to_be_16(remote->port);
	u->dgram_len = rte_cpu_to_be_16(ulen);
	memcpy((uint8_t *)(u + 1) + (natt ? 4 : 0), buf, len);
	if (v4) {
		struct rte_ipv4_hdr *ip = (void *)p;
		static uint16_t id;
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(hl + ulen);
		ip->packet_id = rte_cpu_to_be_16(id++);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, local->addr.a, 4);
		memcpy(&ip->dst_addr, remote->addr.a, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	} else {
		struct rte_ipv6_hdr *ip6 = (void *)p;
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(ulen);
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, local->addr.a, 16);
		memcpy(ip6->dst_addr, remote->addr.a, 16);
		u->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, u);
	}
	ctl_send_l3(m, local->addr.family, remote->addr.a);
}

/* ---- datagrams in ---- */

bool
ctl_ike_input(const uint8_t *l3, uint32_t len)
{
	struct ike_ep local = { 0 }, remote = { 0 };
	const struct rte_udp_hdr *u;
	const uint8_t *pl;
	uint32_t hl, plen;
	uint16_t dport;

	if (eng == NULL || len < 1)
		return false;
	if ((l3[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)l3;
		hl = (ip->version_ihl & 0xf) * 4u;
		if (len < hl + sizeof(*u) || ip->next_proto_id != IPPROTO_UDP ||
		    (ip->fragment_offset & rte_cpu_to_be_16(0x3fff)))
			return false;
		local.addr.family = remote.addr.family = AF_INET;
		memcpy(local.addr.a, &ip->dst_addr, 4);
		memcpy(remote.addr.a, &ip->src_addr, 4);
	} else {
		const struct rte_ipv6_hdr *ip6 = (const void *)l3;
		hl = sizeof(*ip6);
		if (len < hl + sizeof(*u) || ip6->proto != IPPROTO_UDP)
			return false;
		local.addr.family = remote.addr.family = AF_INET6;
		memcpy(local.addr.a, ip6->dst_addr, 16);
		memcpy(remote.addr.a, ip6->src_addr, 16);
	}
	u = (const void *)(l3 + hl);
	dport = rte_be_to_cpu_16(u->dst_port);
	if (dport != IKE_PORT && dport != IKE_NATT_PORT)
		return false;
	if (rte_be_to_cpu_16(u->dgram_len) != len - hl)
		return true;	/* ours, and malformed: dropped */
	local.port = dport;
	remote.port = rte_be_to_cpu_16(u->src_port);
	pl = (const uint8_t *)(u + 1);
	plen = len - hl - sizeof(*u);
	if (dport == IKE_NATT_PORT) {
		/* NAT keepalives (one 0xff byte) and anything unmarked end here */
		if (plen < 4 || memcmp(pl, "\0\0\0\0", 4) != 0)
			return true;
		pl += 4;
		plen -= 4;
	}
	ike_input(eng, &local, &remote, pl, plen, ike_now_ms());
	return true;
}

/* ---- CHILD_SAs into the data plane ---- */

static const char *
esp_alg(const struct ike_algs *a)
{
	switch (a->encr) {
	case ENCR_AES_GCM_16:
		return a->encr_bits == 256 ? "aes-gcm-256" : "aes-gcm-128";
	case ENCR_CHACHA20_POLY1305:
		return "chacha20-poly1305";
	case ENCR_AES_CBC:
		if (a->integ != AUTH_HMAC_SHA2_256_128)
			return NULL;
		return a->encr_bits == 256 ? "aes-cbc-256-sha256" : "aes-cbc-128-sha256";
	default:
		return NULL;
	}
}

/*
 * The CHILD_SA's selectors as the data plane's: outbound ours are the
 * source (the SPD policy), inbound the peer's (the SA's RFC 4301 5.2
 * check); protocol and ports where the selectors restrict them.
 */
static int
ts_selector(const struct ike_child_info *c, bool outbound, struct selector *sel)
{
	const struct ike_ts *s = outbound ? &c->local_ts : &c->remote_ts;
	const struct ike_ts *d = outbound ? &c->remote_ts : &c->local_ts;

	selector_any(sel);
	if (ike_ts_to_prefix(s, &sel->src) < 0 || ike_ts_to_prefix(d, &sel->dst) < 0)
		return -1;
	sel->proto = s->proto ? s->proto : d->proto;
	sel->sport_lo = s->port_lo;
	sel->sport_hi = s->port_hi;
	sel->dport_lo = d->port_lo;
	sel->dport_hi = d->port_hi;
	return 0;
}

static void
names(const struct ike_child_info *c, char *in, char *out, char *pol)
{
	snprintf(in, NAME_MAX_LEN, "%.18s-i%08x", c->conn, c->spi_in);
	snprintf(out, NAME_MAX_LEN, "%.18s-o%08x", c->conn, c->spi_out);
	snprintf(pol, NAME_MAX_LEN, "%.18s-p%08x", c->conn, c->spi_in);
}

/* one SA, checked as `espgwctl sa add` checks it: its id; the keys are wiped here */
static int
add_sa(const struct ike_child_info *c, bool in, const char *name, const char *alg,
       char *err, size_t el)
{
	struct sa_desc d;
	int rc;

	config_sa_defaults(&d);
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.spi = in ? c->spi_in : c->spi_out;
	d.dir = in ? SA_DIR_INBOUND : SA_DIR_OUTBOUND;
	d.mode = c->transport ? SA_MODE_TRANSPORT : SA_MODE_TUNNEL;
	d.alg = (enum esp_alg)esp_alg_by_name(alg);
	d.enc_key_len = (uint8_t)RTE_MIN(c->key_len, sizeof(d.enc_key));
	memcpy(d.enc_key, in ? c->key_in : c->key_out, d.enc_key_len);
	d.auth_key_len = (uint8_t)RTE_MIN(c->auth_len, sizeof(d.auth_key));
	if (d.auth_key_len)	/* AEAD: none (and no pointer) */
		memcpy(d.auth_key, in ? c->auth_in : c->auth_out, d.auth_key_len);
	d.local = c->local.addr;
	d.remote = c->remote.addr;
	d.esn = c->esp.esn;
	if (in) {
		/* our SPIs are unique: found by SPI alone, the SA stays where
		 * it is when either side moves (MOBIKE) */
		d.lookup = SAD_SPI;
		d.replay_window = 1024;
		if (ts_selector(c, false, &d.sel) < 0)
			return -1;
	} else {
		d.inner_family = c->local_ts.type == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
		if (c->encap) {
			d.encap_sport = c->local.port;
			d.encap_dport = c->remote.port;
		}
	}
	config_sa_finish(&d);
	rc = config_check_sa(&d, err, el) < 0 ? -1 : ctl_sa_add(&d, err, el);
	if (rc >= 0) {	/* IKE owns it: a reload leaves it alone */
		ctl.sa[rc].dynamic = true;
		snprintf(ctl.sa[rc].conn, sizeof(ctl.sa[rc].conn), "%s", c->conn);
	}
	ike_wipe(&d, sizeof(d));
	return rc;
}

static int
child_up(void *ctx, const struct ike_child_info *c, uint32_t sa_ids[2])
{
	int id_in, id_out;
	char in[NAME_MAX_LEN], out[NAME_MAX_LEN], pol[NAME_MAX_LEN], err[256];
	struct selector sel;
	const char *alg = esp_alg(&c->esp);

	(void)ctx;
	names(c, in, out, pol);
	if (alg == NULL) {
		log_warn("ike %s: the data plane has no ESP transform %u/%u", c->conn,
			 c->esp.encr, c->esp.integ);
		return -1;
	}
	if (ts_selector(c, true, &sel) < 0) {
		log_warn("ike %s: traffic selectors that are not prefixes are not supported",
			 c->conn);
		return -1;
	}
	id_in = add_sa(c, true, in, alg, err, sizeof(err));
	if (id_in < 0)
		goto fail;
	id_out = add_sa(c, false, out, alg, err, sizeof(err));
	if (id_out < 0) {
		ctl_sa_del_id((uint32_t)id_in);
		goto fail;
	}
	sa_ids[0] = (uint32_t)id_in;
	sa_ids[1] = (uint32_t)id_out;
	acct_child(c->session, sa_ids[0], sa_ids[1], true);
	log_info("ike %s: installed %s, %s", c->conn, in, out);
	return 0;
fail:
	log_warn("ike %s: CHILD_SA not installed: %s", c->conn, err);
	return -1;
}

/* the protect policy for the child's selectors, above its predecessor's */
static int
child_route(void *ctx, const struct ike_child_info *c)
{
	char in[NAME_MAX_LEN], out[NAME_MAX_LEN], pol[NAME_MAX_LEN], err[256];
	char lts[IP_PREFIX_STRLEN], rts[IP_PREFIX_STRLEN];
	struct policy_desc p;

	(void)ctx;
	names(c, in, out, pol);
	config_policy_defaults(&p);
	snprintf(p.name, sizeof(p.name), "%s", pol);
	snprintf(p.sa, sizeof(p.sa), "%s", out);
	p.action = SPD_PROTECT;
	/* above every static policy and the trap (RFC 4301 order), newest first */
	p.dynamic = true;
	p.priority = POLICY_PRIO_CHILD + c->priority;
	if (ts_selector(c, true, &p.sel) < 0)
		return -1;
	if (config_check_policy(&p, err, sizeof(err)) < 0 ||
	    ctl_policy_add(&p, err, sizeof(err)) < 0) {
		log_warn("ike %s: policy %s not installed: %s", c->conn, pol, err);
		return -1;
	}
	ip_prefix_fmt(&p.sel.src, lts, sizeof(lts));
	ip_prefix_fmt(&p.sel.dst, rts, sizeof(rts));
	log_info("ike %s: policy %s (%s -> %s) uses %s", c->conn, pol, lts, rts, out);
	return 0;
}

static void
child_unroute(void *ctx, const struct ike_child_info *c)
{
	char in[NAME_MAX_LEN], out[NAME_MAX_LEN], pol[NAME_MAX_LEN], err[256];

	(void)ctx;
	names(c, in, out, pol);
	if (ctl_policy_del(pol, err, sizeof(err)) < 0)
		log_warn("ike %s: %s", c->conn, err);
}

static void
child_down(void *ctx, const struct ike_child_info *c)
{
	(void)ctx;
	acct_child(c->session, c->sa_ids[0], c->sa_ids[1], false);
	if (ctl_sa_del_id(c->sa_ids[1]) < 0 || ctl_sa_del_id(c->sa_ids[0]) < 0)
		log_warn("ike %s: removing the CHILD_SA %08x/%08x: no such SA", c->conn,
			 c->spi_in, c->spi_out);
}

/* MOBIKE or a NAT that moved: both SAs follow the IKE SA in place */
static void
child_move(void *ctx, const struct ike_child_info *c)
{
	char err[160];
	uint16_t sp = c->encap ? c->local.port : 0, dp = c->encap ? c->remote.port : 0;

	(void)ctx;
	if (ctl_sa_move(c->sa_ids[1], &c->local.addr, &c->remote.addr, sp, dp, err,
			sizeof(err)) < 0 ||
	    ctl_sa_move(c->sa_ids[0], &c->local.addr, &c->remote.addr, 0, 0, err,
			sizeof(err)) < 0)
		log_warn("ike %s: CHILD_SA %08x/%08x not moved: %s", c->conn, c->spi_in,
			 c->spi_out, err);
}

/* EAP for the RADIUS server (eap: radius) */
static int
aaa_eap(void *ctx, const struct ike_aaa_req *r)
{
	(void)ctx;
	return radius_eap(r);
}

static void
aaa_done(uint64_t spi_i, uint64_t spi_r, const struct ike_aaa_result *r)
{
	if (eng == NULL || ike_aaa_done(eng, spi_i, spi_r, r, ike_now_ms()) < 0)
		log_info("radius: an answer for IKE_SA %016lx_%016lx, which no longer waits",
			 (unsigned long)spi_i, (unsigned long)spi_r);
	next_timer = 0;
}

static const struct conn_desc *conn_find(const struct espgw_config *c, const char *name);

/* sessions of connections whose users RADIUS knows are accounted there */
static void
session(void *ctx, const struct ike_session *s, bool up)
{
	const struct conn_desc *d = conn_find(ctl.cfg, s->conn);

	(void)ctx;
	/* (an end is passed on whatever the connection became: only the
	 * sessions that began there are known) */
	if (!up || (d && d->eap == CONN_EAP_RADIUS))
		acct_session(s, up);
}

/* ---- connections ---- */

/*
 * d as the engine runs it, and what espgw adds: its data plane does
 * AES-GCM, ChaCha20-Poly1305 and AES-CBC with SHA-256, and tunnel mode.
 */
static struct ike_conn *
conn_build(const struct conn_desc *d, char *err, size_t el)
{
	struct ike_conn *c;
	struct ike_algs a[IKE_MAX_CONN_PROPS];
	unsigned n;

	if (d->transport) {
		snprintf(err, el, "connection %s: transport mode is not supported with IKE yet",
			 d->name);
		return NULL;
	}
	c = ike_conn_new(d, err, el);
	if (c == NULL)
		return NULL;
	n = ike_conn_esp_algs(c, a, IKE_MAX_CONN_PROPS);
	for (unsigned i = 0; i < n; i++)
		if (esp_alg(&a[i]) == NULL) {
			char p[64];
			ike_algs_fmt(&a[i], true, p, sizeof(p));
			snprintf(err, el, "connection %s: ESP proposal '%s': the data plane does "
				 "AES-GCM, ChaCha20-Poly1305 and AES-CBC with sha256 only",
				 d->name, p);
			ike_conn_free(c);
			return NULL;
		}
	return c;
}

static const struct ike_ops ops = {
	.send = ike_send, .child_up = child_up, .child_route = child_route,
	.child_unroute = child_unroute, .child_down = child_down, .child_move = child_move,
	.aaa_eap = aaa_eap, .session = session,
};

static const struct conn_desc *
conn_find(const struct espgw_config *c, const char *name)
{
	for (unsigned i = 0; c && i < c->n_conns; i++)
		if (!strcmp(c->conns[i].name, name))
			return &c->conns[i];
	return NULL;
}

static bool
conn_same(const struct conn_desc *a, const struct conn_desc *b)
{
	return a && b && memcmp(a, b, sizeof(*a)) == 0;
}

/* a connection with a trap policy: start: trap, or dpd_action: trap (the
 * trap sits below the CHILD_SA's policy, so it only acts when that goes) */
static bool
trapped(const struct conn_desc *d)
{
	return d->start == CONN_START_TRAP || d->dpd_action == CONN_DPD_TRAP;
}

/*
 * The trap policy's name: NAME-trap where it fits, else the name cut
 * short with a hash of all of it, so that two connections whose names
 * share a long beginning do not share a trap policy.
 */
static void
trap_name(const char *conn, char name[NAME_MAX_LEN])
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	if (strlen(conn) + 5 < NAME_MAX_LEN) {
		snprintf(name, NAME_MAX_LEN, "%s-trap", conn);
		return;
	}
	for (const char *p = conn; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(name, NAME_MAX_LEN, "%.17s-t%08x", conn, h);
}

/*
 * start: trap: a policy for the connection's selectors, below its
 * CHILD_SAs' own, sends the first packet to ctl_ike_acquire.
 */
static void
trap_policy(const struct conn_desc *d, bool add)
{
	char err[256], name[NAME_MAX_LEN];
	struct policy_desc p;

	trap_name(d->name, name);
	if (!add) {
		if (ctl_policy_del(name, err, sizeof(err)) < 0)
			log_warn("ike %s: %s", d->name, err);
		return;
	}
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.priority = POLICY_PRIO_TRAP;
	p.sel.src = d->local_ts;
	p.sel.dst = d->remote_ts;
	p.sel.sport_hi = p.sel.dport_hi = 65535;
	p.action = SPD_TRAP;
	p.dynamic = true;
	if (ctl_policy_add(&p, err, sizeof(err)) < 0)
		log_warn("ike %s: trap policy not installed: %s", d->name, err);
}

void
ctl_ike_acquire(const uint8_t *l3, uint32_t len)
{
	const struct espgw_config *c = ctl.cfg;
	const uint8_t *src, *dst;
	char err[256];
	int fam;

	if (len >= 20 && (l3[0] >> 4) == 4) {
		fam = AF_INET;
		src = l3 + 12;
		dst = l3 + 16;
	} else if (len >= 40 && (l3[0] >> 4) == 6) {
		fam = AF_INET6;
		src = l3 + 8;
		dst = l3 + 24;
	} else {
		return;
	}
	for (unsigned i = 0; eng && c && i < c->n_conns; i++) {
		const struct conn_desc *d = &c->conns[i];
		if (!trapped(d) || !ip_prefix_contains(&d->local_ts, fam, src) ||
		    !ip_prefix_contains(&d->remote_ts, fam, dst))
			continue;
		/* one IKE_SA at a time: packets while it comes up only count */
		if (ike_conn_sas(eng, d->name) != 0)
			return;
		log_info("ike %s: trap: traffic for the tunnel, initiating", d->name);
		next_timer = 0;
		if (ike_initiate(eng, d->name, ike_now_ms(), err, sizeof(err)) < 0)
			log_warn("ike %s: %s", d->name, err);
		return;
	}
}

int
ctl_ike_check(const struct espgw_config *cfg, char *err, size_t el)
{
	for (unsigned i = 0; i < cfg->n_conns; i++) {
		struct ike_conn *c = conn_build(&cfg->conns[i], err, el);
		if (c == NULL)
			return -1;
		ike_conn_free(c);
	}
	return 0;
}

/*
 * Make the engine's connections those of nc (old: the running
 * configuration, NULL at start). Unchanged connections keep their
 * tunnels; removed and changed ones have their IKE_SAs deleted; new and
 * changed ones are added, and started where they say so. Every new one is
 * built first, so that a bad one changes nothing.
 */
int
ctl_ike_sync(const struct espgw_config *old, const struct espgw_config *nc, char *err,
	     size_t el)
{
	struct ike_conn **built = calloc(nc->n_conns + 1, sizeof(*built));
	const struct conn_desc **of = calloc(nc->n_conns + 1, sizeof(*of));
	unsigned n = 0, added = 0, removed = 0;
	uint64_t now = ike_now_ms();
	int rc = -1;

	if (built == NULL || of == NULL) {
		snprintf(err, el, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < nc->n_conns; i++) {
		const struct conn_desc *d = &nc->conns[i];
		if (conn_same(conn_find(old, d->name), d))
			continue;
		of[n] = d;
		built[n] = conn_build(d, err, el);
		if (built[n] == NULL)
			goto out;
		n++;
	}
	if (radius_configure(&nc->radius, err, el) < 0)
		goto out;
	if (eng == NULL && nc->n_conns) {
		eng = ike_engine_new(&ops, NULL);
		if (eng == NULL) {
			snprintf(err, el, "out of memory");
			goto out;
		}
	}
	for (unsigned i = 0; old && i < old->n_conns; i++) {
		const struct conn_desc *d = &old->conns[i];
		if (!conn_same(conn_find(nc, d->name), d) && ike_conn_remove(eng, d->name, now) == 0) {
			log_info("ike: connection %s %s", d->name,
				 conn_find(nc, d->name) ? "changed" : "removed");
			if (trapped(d))
				trap_policy(d, false);
			removed++;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct conn_desc *d = of[i];
		struct ike_conn *c = built[i];
		built[i] = NULL;	/* the engine's now */
		if (ike_conn_add(eng, c, err, el) < 0) {
			log_err("ike: %s", err);
			continue;
		}
		added++;
		if (d->start == CONN_START_START && ike_initiate(eng, d->name, now, err, el) < 0)
			log_err("ike: %s", err);
		if (trapped(d))
			trap_policy(d, true);
	}
	if (eng) {
		ike_set_limits(eng, nc->ike_cookie_threshold, nc->ike_half_open_per_source);
		if (ike_set_remote_access(eng, nc->users, nc->n_users, nc->pools, nc->n_pools) < 0)
			log_err("ike: users and pools not taken: out of memory");
	}
	if (old)
		log_info("ike: %u connections added or changed, %u removed", added, removed);
	next_timer = 0;
	rc = 0;
	n = 0;
out:
	for (unsigned i = 0; built && i < n; i++)
		ike_conn_free(built[i]);
	free(built);
	free(of);
	return rc;
}

void
ctl_ike_timer(void)
{
	uint64_t t = ike_now_ms();

	static uint64_t tick;

	radius_poll(aaa_done);
	if (t >= tick + 1000) {
		tick = t;
		acct_tick();
	}
	if (eng != NULL && t >= next_timer)
		next_timer = t + ike_timer(eng, t);
}

void
ctl_ike_goodbye(void)
{
	for (unsigned i = 0; eng != NULL && ctl.cfg && i < ctl.cfg->n_conns; i++)
		ike_terminate(eng, ctl.cfg->conns[i].name, IKE_END_SHUTDOWN, ike_now_ms());
}

void
ctl_ike_fini(void)
{
	if (eng != NULL) {
		ike_engine_free(eng);
		eng = NULL;
	}
	acct_fini();
	radius_stop();
}

int
ctl_ike_initiate(const char *conn, char *err, size_t el)
{
	if (eng == NULL) {
		snprintf(err, el, "no IKE connections configured");
		return -1;
	}
	next_timer = 0;
	return ike_initiate(eng, conn, ike_now_ms(), err, el);
}

int
ctl_ike_terminate_child(const char *conn, uint32_t spi, char *err, size_t el)
{
	if (eng == NULL || ike_child_terminate(eng, conn, spi, ike_now_ms()) == 0) {
		snprintf(err, el, "no CHILD_SA %08x of connection %s", spi, conn);
		return -1;
	}
	next_timer = 0;
	return 0;
}

int
ctl_ike_redirect(const char *conn, const char *to, char *err, size_t el)
{
	struct ip_addr a;
	int n;

	if (ip_addr_parse(to, &a) < 0) {
		snprintf(err, el, "'%s' is not an address", to);
		return -1;
	}
	n = eng ? ike_redirect(eng, conn, &a, ike_now_ms()) : 0;
	if (n == 0) {
		snprintf(err, el, "no IKE_SA of connection %s takes a redirect", conn);
		return -1;
	}
	next_timer = 0;
	return n;
}

int
ctl_ike_move(const char *conn, const char *to, char *err, size_t el)
{
	struct ip_addr a;
	bool ours = false;
	int n;

	if (ip_addr_parse(to, &a) < 0) {
		snprintf(err, el, "'%s' is not an address", to);
		return -1;
	}
	for (unsigned i = 0; i < dp_n_ports() && !ours; i++)
		ours = ctl_port_has_addr((uint16_t)i, a.family, a.a);
	if (!ours) {
		snprintf(err, el, "%s is not an address of a port", to);
		return -1;
	}
	n = eng ? ike_move(eng, conn, &a, ike_now_ms()) : 0;
	if (n <= 0) {
		snprintf(err, el, "no IKE_SA of connection %s moves (MOBIKE, as its initiator, "
			 "to an address of the same family)", conn);
		return -1;
	}
	next_timer = 0;
	return n;
}

int
ctl_ike_terminate(const char *conn, char *err, size_t el)
{
	if (eng == NULL || ike_terminate(eng, conn, IKE_END_ADMIN, ike_now_ms()) == 0) {
		snprintf(err, el, "no IKE_SA of connection %s", conn);
		return -1;
	}
	next_timer = 0;
	return 0;
}

int
ctl_ike_rekey(const char *conn, bool ike, char *err, size_t el)
{
	if (eng == NULL || ike_rekey(eng, conn, ike, ike_now_ms()) == 0) {
		snprintf(err, el, "no established IKE_SA of connection %s", conn);
		return -1;
	}
	next_timer = 0;
	return 0;
}

struct ike_engine *
ctl_ike_engine(void)
{
	return eng;
}
