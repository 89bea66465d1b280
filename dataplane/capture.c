/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture in the workers: the packets a capture's filter wants are
 * copied (at most snaplen bytes) into its mempool and put on its ring for
 * the control thread; the original goes on untouched. Never more than
 * `count` copies: the budget is taken atomically, so several workers
 * together stop at it. A full ring or pool is counted, never waited for.
 */
#include <rte_errno.h>
#include <rte_esp.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "dataplane/worker.h"

struct dp_capture {
	struct dp_capture_spec s;	/* s.sa only at creation: the SA may go first */
	bool has_sa;
	uint8_t sa_dir;
	uint32_t sa_id;
	uint32_t spi_be;		/* the SA's, for RX/TX */
	struct rte_mempool *pool;
	struct rte_ring *ring;		/* workers -> control thread */
	int64_t budget;			/* copies still allowed */
	uint64_t taken, missed;
};

#define CAP_RING 4096

struct dp_capture *
dp_capture_new(const struct dp_capture_spec *s, char *err, size_t el)
{
	static unsigned gen;
	struct dp_capture *c = rte_zmalloc("capture", sizeof(*c), RTE_CACHE_LINE_SIZE);
	char name[RTE_MEMPOOL_NAMESIZE];

	if (c == NULL) {
		snprintf(err, el, "capture: out of memory");
		return NULL;
	}
	c->s = *s;
	c->budget = s->count;
	if (s->sa) {
		c->has_sa = true;
		c->sa_id = s->sa->id;
		c->sa_dir = s->sa->dir;
		c->spi_be = s->sa->spi_be;
		c->s.sa = NULL;
	}
	snprintf(name, sizeof(name), "cap_pool%u", gen);
	/* a copy is one segment of up to snaplen bytes; the record is its private area */
	c->pool = rte_pktmbuf_pool_create(name, CAP_RING * 2 - 1, 0,
					  RTE_ALIGN(sizeof(struct dp_cap_rec), RTE_MBUF_PRIV_ALIGN),
					  (uint16_t)(s->snaplen + RTE_PKTMBUF_HEADROOM), SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "cap_ring%u", gen++);
	c->ring = rte_ring_create(name, CAP_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (c->pool == NULL || c->ring == NULL) {
		snprintf(err, el, "capture: no memory for its buffers (%s)", rte_strerror(rte_errno));
		dp_capture_free(c);
		return NULL;
	}
	return c;
}

void
dp_capture_free(struct dp_capture *c)
{
	struct rte_mbuf *m[64];
	unsigned k;

	if (c == NULL)
		return;
	while (c->ring && (k = rte_ring_sc_dequeue_burst(c->ring, (void **)m, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, k);
	rte_ring_free(c->ring);
	rte_mempool_free(c->pool);
	rte_free(c);
}

unsigned
dp_capture_dequeue(struct dp_capture *c, struct rte_mbuf **m, unsigned n)
{
	return rte_ring_sc_dequeue_burst(c->ring, (void **)m, n, NULL);
}

void
dp_capture_counts(const struct dp_capture *c, uint64_t *taken, uint64_t *missed)
{
	*taken = __atomic_load_n(&c->taken, __ATOMIC_RELAXED);
	*missed = __atomic_load_n(&c->missed, __ATOMIC_RELAXED);
}

/* the ESP SPI of a packet ([Ethernet,] IPv4/IPv6, ESP or ESP in UDP), 0: none */
static uint32_t
frame_spi(const struct rte_mbuf *m, bool l2)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off = l2 ? sizeof(struct rte_ether_hdr) : 0, spi;
	uint16_t et = RTE_BE16((p[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	uint8_t proto;

	if (len < off + 40)
		return 0;
	if (l2)
		memcpy(&et, p + 12, 2);
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		proto = p[off + 9];
		off += (p[off] & 0xf) * 4u;
	} else if (et == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		proto = p[off + 6];
		off += sizeof(struct rte_ipv6_hdr);
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP)
		off += sizeof(struct rte_udp_hdr);	/* RFC 3948: the SPI is first */
	else if (proto != IPPROTO_ESP)
		return 0;
	if (len < off + 4)
		return 0;
	memcpy(&spi, p + off, 4);
	return spi;
}

static bool
wanted(const struct dp_capture *c, const struct rte_mbuf *m, unsigned point, uint16_t port,
       const struct dp_sa *sa, int drop, bool l2)
{
	const struct dp_capture_spec *s = &c->s;

	if (!(s->points & point) || (s->port >= 0 && s->port != port) ||
	    (point == CAP_DROP && s->drop >= 0 && s->drop != drop))
		return false;
	if (!c->has_sa)
		return true;
	if (point == CAP_PLAIN)
		return sa != NULL && sa->id == c->sa_id;
	/* the SA's ESP side: its packets in (inbound SA) or out (outbound) */
	if ((point == CAP_RX) != (c->sa_dir == SA_DIR_INBOUND) && point != CAP_DROP)
		return false;
	return frame_spi(m, l2) == c->spi_be;
}

void
dp_capture_one(struct dp_capture *c, struct rte_mbuf *m, unsigned point, uint16_t port,
	       const struct dp_sa *sa, int drop, bool l2)
{
	struct rte_mbuf *cp;
	struct dp_cap_rec *r;

	if (!wanted(c, m, point, port, sa, drop, l2) ||
	    __atomic_load_n(&c->budget, __ATOMIC_RELAXED) <= 0 ||
	    __atomic_sub_fetch(&c->budget, 1, __ATOMIC_RELAXED) < 0)
		return;
	cp = rte_pktmbuf_copy(m, c->pool, 0, c->s.snaplen);
	if (cp == NULL) {
		__atomic_add_fetch(&c->missed, 1, __ATOMIC_RELAXED);
		return;
	}
	r = rte_mbuf_to_priv(cp);
	*r = (struct dp_cap_rec){
		.tsc = rte_get_tsc_cycles(), .orig_len = rte_pktmbuf_pkt_len(m), .port = port,
		.point = (uint8_t)point, .drop = (uint8_t)(drop < 0 ? 0 : drop), .l2 = l2,
		.outbound = sa && sa->dir == SA_DIR_OUTBOUND, .sa_id = sa ? sa->id : UINT32_MAX,
	};
	if (rte_ring_mp_enqueue(c->ring, cp) != 0) {
		rte_pktmbuf_free(cp);
		__atomic_add_fetch(&c->missed, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&c->taken, 1, __ATOMIC_RELAXED);
}
