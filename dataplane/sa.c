/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Turn an SA descriptor into a librte_ipsec SA with a crypto session on
 * an Intel IPsec-MB PMD: CPU crypto (synchronous) by default, lookaside
 * (enqueue/dequeue, as a hardware engine needs) when configured.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "dataplane/dp.h"

/* IV lives in the crypto op's private area, right after the sym op */
#define IV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

static bool
is_aead(enum esp_alg a)
{
	return a == ESP_ALG_AES_GCM_128 || a == ESP_ALG_AES_GCM_256 ||
	       a == ESP_ALG_CHACHA20_POLY1305;
}

static int
pick_dev(enum esp_alg a)
{
	/*
	 * DPDK 22.11's crypto_chacha20_poly1305 PMD fails outbound CPU crypto
	 * (every packet flagged failed); crypto_aesni_mb does it right.
	 */
	if (a == ESP_ALG_CHACHA20_POLY1305)
		return dp.dev_mb >= 0 ? dp.dev_mb : dp.dev_chacha;
	if (a == ESP_ALG_AES_GCM_128 || a == ESP_ALG_AES_GCM_256)
		return dp.dev_gcm >= 0 ? dp.dev_gcm : dp.dev_mb;
	return dp.dev_mb;
}

/* crypto xforms as librte_ipsec expects them for each direction */
static void
fill_xforms(const struct sa_desc *d, struct rte_crypto_sym_xform *x)
{
	const struct esp_alg_info *ai = &esp_alg_info[d->alg];
	bool out = d->dir == SA_DIR_OUTBOUND;

	memset(x, 0, 2 * sizeof(*x));
	if (is_aead(d->alg)) {
		x[0].type = RTE_CRYPTO_SYM_XFORM_AEAD;
		x[0].aead.op = out ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT;
		x[0].aead.algo = d->alg == ESP_ALG_CHACHA20_POLY1305 ?
				 RTE_CRYPTO_AEAD_CHACHA20_POLY1305 : RTE_CRYPTO_AEAD_AES_GCM;
		x[0].aead.key.data = d->enc_key;
		x[0].aead.key.length = ai->enc_key_len - 4;	/* salt excluded */
		x[0].aead.iv.offset = IV_OFFSET;
		x[0].aead.iv.length = 12;
		x[0].aead.digest_length = ai->icv_len;
		/* RFC 4106 5 / RFC 7634 2.1: SPI + (extended) sequence number */
		x[0].aead.aad_length = d->esn ? 12 : 8;
		return;
	}
	struct rte_crypto_sym_xform *c = out ? &x[0] : &x[1];
	struct rte_crypto_sym_xform *a = out ? &x[1] : &x[0];
	c->type = RTE_CRYPTO_SYM_XFORM_CIPHER;
	c->cipher.op = out ? RTE_CRYPTO_CIPHER_OP_ENCRYPT : RTE_CRYPTO_CIPHER_OP_DECRYPT;
	c->cipher.algo = RTE_CRYPTO_CIPHER_AES_CBC;
	c->cipher.key.data = d->enc_key;
	c->cipher.key.length = ai->enc_key_len;
	c->cipher.iv.offset = IV_OFFSET;
	c->cipher.iv.length = 16;
	a->type = RTE_CRYPTO_SYM_XFORM_AUTH;
	a->auth.op = out ? RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY;
	a->auth.algo = RTE_CRYPTO_AUTH_SHA256_HMAC;
	a->auth.key.data = d->auth_key;
	a->auth.key.length = ai->auth_key_len;
	a->auth.digest_length = ai->icv_len;	/* RFC 4868: truncated to 128 bits */
	x[0].next = &x[1];
}

/* outer header template for tunnel mode */
static unsigned
fill_tunnel_hdr(const struct ip_addr *local, const struct ip_addr *remote, uint8_t *h)
{
	if (local->family == AF_INET) {
		struct rte_ipv4_hdr *ip = (void *)h;
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_ESP;
		memcpy(&ip->src_addr, local->a, 4);
		memcpy(&ip->dst_addr, remote->a, 4);
		return sizeof(*ip);
	}
	struct rte_ipv6_hdr *ip6 = (void *)h;
	memset(ip6, 0, sizeof(*ip6));
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->proto = IPPROTO_ESP;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, local->a, 16);
	memcpy(ip6->dst_addr, remote->a, 16);
	return sizeof(*ip6);
}

/* sa's way out between local and remote (a tunnel), or its transport one */
static void
fill_path(const struct dp_sa *sa, struct dp_sa_path *p, const struct ip_addr *local,
	  const struct ip_addr *remote, uint16_t sport, uint16_t dport)
{
	memset(p, 0, sizeof(*p));
	/* ESP header + IV + worst padding + pad len/next header + ICV */
	p->overhead = 8 + sa->iv_len + (sa->iv_len == 16 ? 15 : 3) + 2 + sa->icv_len;
	if (sa->mode != SA_MODE_TUNNEL) {
		p->outer_family = sa->inner_family;
		return;
	}
	p->tun_hdr_len = (uint8_t)fill_tunnel_hdr(local, remote, p->tun_hdr);
	p->outer_family = local->family;
	p->route_dst = *remote;
	p->overhead += p->tun_hdr_len;
	if (sport) {
		/* the UDP header: after librte_ipsec (esp_crypto.c) or in
		 * the native engine's template */
		p->encap_sport = rte_cpu_to_be_16(sport);
		p->encap_dport = rte_cpu_to_be_16(dport);
		p->overhead += sizeof(struct rte_udp_hdr);
		/* the native engine's template names UDP right away */
		if (dp.engine == ENGINE_NATIVE)
			p->tun_hdr[local->family == AF_INET ?
				   offsetof(struct rte_ipv4_hdr, next_proto_id) :
				   offsetof(struct rte_ipv6_hdr, proto)] = IPPROTO_UDP;
	}
	/* per packet only length and id change: sum the rest now */
	if (local->family == AF_INET) {
		const uint16_t *w16 = (const void *)p->tun_hdr;
		for (unsigned i = 0; i < p->tun_hdr_len / 2u; i++)
			p->tun_sum += w16[i];
	}
}

int
dp_sa_create(const struct sa_desc *d, uint32_t id, struct dp_sa **out,
	     char *err, size_t el)
{
	const struct esp_alg_info *ai = &esp_alg_info[d->alg];
	struct rte_crypto_sym_xform xf[2];
	struct sa_desc dd;		/* d with the window in force; wiped */
	struct rte_ipsec_sa_prm prm;
	struct dp_sa *sa;
	int dev, sz, rc;
	bool aead = is_aead(d->alg);

	if (id >= dp.max_sas) {
		snprintf(err, el, "SA table full (max_sas %u)", dp.max_sas);
		return -1;
	}
	dev = pick_dev(d->alg);
	if (dev < 0) {
		snprintf(err, el, "no crypto device supports %s", ai->name);
		return -1;
	}
	sa = rte_zmalloc("dp_sa", sizeof(*sa), RTE_CACHE_LINE_SIZE);
	if (sa == NULL) {
		snprintf(err, el, "out of memory for SA");
		return -1;
	}
	memcpy(&dd, d, sizeof(dd));
	/*
	 * With ESN the high half of each number is guessed from the window
	 * (RFC 4303 A2.2), and librte_ipsec, which makes the guess, keeps at
	 * least 64: a smaller ESN window is raised to 64 (show sa says so).
	 */
	if (d->dir == SA_DIR_INBOUND && d->esn && d->replay_window < 64)
		dd.replay_window = 64;
	d = &dd;
	sa->lookup = d->lookup;
	sa->local = d->local;
	sa->remote = d->remote;
	sa->replay_window = d->replay_window;
	sa->id = id;
	sa->spi = d->spi;
	sa->dir = d->dir;
	sa->mode = d->mode;
	sa->inner_family = d->inner_family;
	sa->icv_len = ai->icv_len;
	sa->sqh_len = d->esn ? 4 : 0;
	sa->esn = d->esn;
	sa->iv_len = d->alg == ESP_ALG_AES_CBC_128_SHA256 ||
		     d->alg == ESP_ALG_AES_CBC_256_SHA256 ? 16 : 8;
	sa->sel = d->sel;
	sa->created_tsc = rte_get_tsc_cycles();
	sa_life_limits(&sa->lim, &d->life, d->dir == SA_DIR_OUTBOUND, d->esn);
	sa->check_life = sa_life_any(&sa->lim);
#ifdef ESPGW_TEST_HOOKS
	/* test hook: start as if this many packets had used the SA */
	sa->life.packets = d->test_packets_used;
#endif
	sa->dev_id = dev;

	sa->spi_be = rte_cpu_to_be_32(d->spi);
	if (d->mode == SA_MODE_TUNNEL)
		sa->next_proto = d->inner_family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	fill_path(sa, &sa->path0, &d->local, &d->remote, d->encap_sport, d->encap_dport);
	sa->path = &sa->path0;
	if (d->dir == SA_DIR_INBOUND && d->replay_window > 0) {
		/* checked before crypto, updated after the ICV (esp_inbound.c) */
		sa->rw = rte_zmalloc("replay", replay_size(d->replay_window),
				     RTE_CACHE_LINE_SIZE);
		if (sa->rw == NULL) {
			snprintf(err, el, "out of memory for replay window");
			goto fail;
		}
		replay_init(sa->rw, d->replay_window);
		rte_spinlock_init(&sa->rw_lock);
	}
	if (dp.engine == ENGINE_NATIVE) {
		if (esp_native_sa_init(sa, d, err, el) < 0)
			goto fail;
		goto done;
	}

	memset(&prm, 0, sizeof(prm));
	prm.userdata = (uintptr_t)sa;
	/*
	 * Several workers share an outbound SA's counter: atomic. Inbound,
	 * librte_ipsec's window (ESN only) is touched under the SA's lock
	 * (esp_inbound.c), and without a window it has none to share (its
	 * atomic mode would dereference the window it does not have).
	 */
	if (dp.n_workers > 1 && d->dir == SA_DIR_OUTBOUND)
		prm.flags = RTE_IPSEC_SAFLAG_SQN_ATOM;
	prm.ipsec_xform.spi = d->spi;
	if (aead)	/* the salt is the last 4 bytes of the keying material */
		memcpy(&prm.ipsec_xform.salt, d->enc_key + ai->enc_key_len - 4, 4);
	prm.ipsec_xform.options.esn = d->esn;
	prm.ipsec_xform.direction = d->dir == SA_DIR_OUTBOUND ?
		RTE_SECURITY_IPSEC_SA_DIR_EGRESS : RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
	prm.ipsec_xform.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	/*
	 * Our window (sa->rw) is the one authority on replays. librte_ipsec
	 * needs a window of its own only with ESN, to guess the high half of
	 * each number; one larger than ours, so its bucket-wise sliding has a
	 * spare 64 bits and never refuses a number ours accepts (22.11 sizes
	 * a window of 128, 1024, ... exactly and then forgets numbers inside
	 * it). esp_inbound.c keeps both tops equal.
	 */
	prm.ipsec_xform.replay_win_sz = d->dir == SA_DIR_INBOUND && d->esn ?
		d->replay_window + 1 : 0;
	if (d->mode == SA_MODE_TUNNEL) {
		prm.ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
		prm.ipsec_xform.tunnel.type = d->local.family == AF_INET ?
			RTE_SECURITY_IPSEC_TUNNEL_IPV4 : RTE_SECURITY_IPSEC_TUNNEL_IPV6;
		prm.tun.hdr_len = sa->path0.tun_hdr_len;
		prm.tun.hdr_l3_off = 0;
		prm.tun.hdr = sa->path0.tun_hdr;
		prm.tun.next_proto = sa->next_proto;
	} else {
		prm.ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT;
		/* librte_ipsec reads the family of a transport SA from here */
		prm.trs.proto = d->inner_family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	}
	fill_xforms(d, xf);
	prm.crypto_xform = xf;

	sz = rte_ipsec_sa_size(&prm);
	if (sz < 0) {
		snprintf(err, el, "SA %s: librte_ipsec refuses parameters (%d)",
			 d->name, sz);
		goto fail;
	}
	sa->isa = rte_zmalloc("rte_ipsec_sa", sz, RTE_CACHE_LINE_SIZE);
	if (sa->isa == NULL) {
		snprintf(err, el, "out of memory for SA");
		goto fail;
	}
	rc = rte_ipsec_sa_init(sa->isa, &prm, sz);
	if (rc < 0) {
		snprintf(err, el, "SA %s: rte_ipsec_sa_init: %d", d->name, rc);
		goto fail;
	}
	sa->crypto_sess = rte_cryptodev_sym_session_create(dev, xf, dp.sess_pool);
	if (sa->crypto_sess == NULL) {
		snprintf(err, el, "SA %s: crypto session on device %d failed (%d)",
			 d->name, dev, rte_errno);
		goto fail;
	}
	sa->ss.sa = sa->isa;
	sa->ss.type = dp.engine == ENGINE_CPU ? RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO :
		      RTE_SECURITY_ACTION_TYPE_NONE;
	sa->ss.crypto.ses = sa->crypto_sess;
	sa->ss.crypto.dev_id = dev;
	rc = rte_ipsec_session_prepare(&sa->ss);
	if (rc != 0) {
		snprintf(err, el, "SA %s: rte_ipsec_session_prepare: %d", d->name, rc);
		goto fail;
	}
done:
	explicit_bzero(xf, sizeof(xf));
	explicit_bzero(&dd, sizeof(dd));
	*out = sa;
	return 0;
fail:
	explicit_bzero(xf, sizeof(xf));
	explicit_bzero(&dd, sizeof(dd));
	dp_sa_free(sa);
	return -1;
}

uint32_t
dp_sa_id(const struct dp_sa *sa)
{
	return sa->id;
}

uint32_t
dp_sa_replay_window(const struct dp_sa *sa)
{
	return sa->replay_window;
}

void
dp_sa_state(const struct dp_sa *sa, struct dp_sa_state *st)
{
	memset(st, 0, sizeof(*st));
	st->window = sa->replay_window;
	st->expired = sa->expired;
	st->life_bytes = __atomic_load_n(&sa->life.bytes, __ATOMIC_RELAXED);
	st->life_packets = __atomic_load_n(&sa->life.packets, __ATOMIC_RELAXED);
	if (sa->dir == SA_DIR_OUTBOUND) {
		st->seq_known = sa->nk != NULL;	/* librte_ipsec keeps its own */
		st->seq = __atomic_load_n(&sa->sqn, __ATOMIC_RELAXED);
	} else if (sa->rw != NULL) {
		/* read while workers may write it: a display, not a decision */
		const struct replay_win *r = sa->rw;
		uint64_t top = __atomic_load_n(&r->top, __ATOMIC_RELAXED);
		st->seq_known = true;
		st->seq = top;
		for (uint64_t s = top; s > 0 && top - s < r->size; s--)
			st->window_seen += (__atomic_load_n(&r->bits[(s / 64) & r->mask],
							    __ATOMIC_RELAXED) >> (s % 64)) & 1;
	}
}

int
dp_sa_repoint(struct dp_sa *sa, const struct ip_addr *local, const struct ip_addr *remote,
	      uint16_t sport, uint16_t dport, void **old, char *err, size_t el)
{
	struct dp_sa_path *p;

	*old = NULL;
	if (sa->dir != SA_DIR_OUTBOUND || sa->mode != SA_MODE_TUNNEL ||
	    local->family != remote->family) {
		snprintf(err, el, "only an outbound tunnel SA moves, between two addresses "
			 "of one family");
		return -1;
	}
	if (sa->isa != NULL && local->family != sa->path0.outer_family) {
		snprintf(err, el, "the %s engine keeps an SA's outer address family",
			 crypto_engine_name(dp.engine));
		return -1;
	}
	p = rte_malloc("dp_sa_path", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		snprintf(err, el, "out of memory for the SA's new path");
		return -1;
	}
	fill_path(sa, p, local, remote, sport, dport);
	if (sa->path != &sa->path0)
		*old = sa->path;
	__atomic_store_n(&sa->path, p, __ATOMIC_RELEASE);
	sa->local = *local;
	sa->remote = *remote;
	return 0;
}

void
dp_sa_path_free(void *old)
{
	rte_free(old);
}

void
dp_sa_free(struct dp_sa *sa)
{
	if (sa == NULL)
		return;
	if (sa->path != &sa->path0)
		rte_free(sa->path);
	esp_native_sa_free(sa);
	if (sa->crypto_sess != NULL)
		rte_cryptodev_sym_session_free(sa->dev_id, sa->crypto_sess);
	if (sa->isa != NULL) {
		rte_ipsec_sa_fini(sa->isa);
		rte_free(sa->isa);
	}
	rte_free(sa->rw);
	rte_free(sa);
}
