/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors the gateway sends: "fragmentation needed" / "packet too
 * big" for packets the tunnel cannot carry (RFC 4301 8.2), "time
 * exceeded" (RFC 1812 5.3.1, RFC 4443 3.3), rate-limited.
 */
#define LOG_SUBSYS LOG_SS_NET
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/telemetry.h"
#include "control/punt.h"

/* RFC 792 / RFC 4443 3.1: tell the sender the MTU the tunnel leaves. */
void
icmp_send_too_big(struct rte_mbuf *orig, uint16_t in_port, uint16_t mtu)
{
	uint8_t *l3 = rte_pktmbuf_mtod(orig, uint8_t *);
	uint32_t olen = rte_pktmbuf_data_len(orig);
	int family = (l3[0] >> 4) == 4 ? AF_INET : AF_INET6;
	const uint8_t *osrc = family == AF_INET ? l3 + 12 : l3 + 8;
	const uint8_t *src = ctl_port_addr(in_port, family);
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	uint16_t port;
	uint8_t *p;

	if (src == NULL || !ctl_route(family, osrc, &port, &mac))
		return;
	m = rte_pktmbuf_alloc(dp_ctl_pool());
	if (m == NULL)
		return;
	if (family == AF_INET) {
		uint32_t hl = (l3[0] & 0xf) * 4u, quote = RTE_MIN(olen, hl + 8);
		struct rte_ether_hdr *eh;
		struct rte_ipv4_hdr *ip;
		struct rte_icmp_hdr *ic;
		p = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8 + quote);
		if (p == NULL)
			goto fail;
		eh = (void *)p;
		ip = (void *)(p + 14);
		ic = (void *)(p + 34);
		memset(p, 0, 14 + 20 + 8);
		eh->dst_addr = mac;
		eh->src_addr = dp_port_get(port)->mac;
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(20 + 8 + quote);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_ICMP;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, osrc, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic->icmp_type = 3;	/* destination unreachable */
		ic->icmp_code = 4;	/* fragmentation needed and DF set */
		ic->icmp_seq_nb = rte_cpu_to_be_16(mtu);	/* RFC 1191 next-hop MTU */
		memcpy(ic + 1, l3, quote);
		ic->icmp_cksum = ~rte_raw_cksum(ic, 8 + quote);
	} else {
		/* as much of the original as fits in the minimum MTU */
		uint32_t quote = RTE_MIN(olen, 1280u - 40 - 8);
		uint32_t mtu32 = rte_cpu_to_be_32(mtu);
		p = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + 8 + quote);
		if (p == NULL)
			goto fail;
		memset(p, 0, 14 + 40 + 8);
		p[54] = ICMP6_PACKET_TOO_BIG;
		memcpy(p + 58, &mtu32, 4);
		memcpy(p + 62, l3, quote);
		ctl_icmp6_finish(m, port, &mac, src, osrc, 8 + quote);
	}
	ctl.st.icmp_errors_sent++;
	dp_ctl_tx(port, m);
	return;
fail:
	rte_pktmbuf_free(m);
}

/*
 * ICMP errors are rate-limited (RFC 1812 4.3.2.8, RFC 4443 2.4(f)): a
 * token bucket of ICMP_ERR_BURST refilled at ICMP_ERR_RATE per second.
 */
#define ICMP_ERR_RATE 100
#define ICMP_ERR_BURST 50

static bool
icmp_error_allowed(void)
{
	static uint64_t last_ns;
	static double tokens = ICMP_ERR_BURST;
	uint64_t now = ctl_clock_ns();

	tokens += (double)(now - last_ns) * ICMP_ERR_RATE / 1e9;
	if (tokens > ICMP_ERR_BURST)
		tokens = ICMP_ERR_BURST;
	last_ns = now;
	if (tokens < 1) {
		ctl.st.icmp_errors_limited++;
		return false;
	}
	tokens -= 1;
	return true;
}

/*
 * RFC 792 / RFC 1812 5.3.1 (type 11) and RFC 4443 3.3 (type 3): time
 * exceeded in transit, from our address on the port the packet would have
 * left by, quoting as much of it as keeps the error within 576 bytes (IPv4)
 * or the IPv6 minimum MTU. It takes the workers' outbound path, so an
 * error for a host behind a tunnel goes through the tunnel.
 */
void
icmp_send_time_exceeded(struct rte_mbuf *orig, uint16_t port)
{
	const uint8_t *l3 = rte_pktmbuf_mtod(orig, const uint8_t *);
	uint32_t olen = rte_pktmbuf_data_len(orig);
	int family = (l3[0] >> 4) == 4 ? AF_INET : AF_INET6;
	const uint8_t *osrc = family == AF_INET ? l3 + 12 : l3 + 8;
	const uint8_t *src = ctl_port_addr(port, family);
	struct rte_mbuf *m;
	uint8_t *p;

	if (src == NULL || !icmp_error_allowed())
		return;
	/* never about an ICMP error (RFC 1812 4.3.2.7): only echo is quoted */
	if (family == AF_INET && l3[9] == IPPROTO_ICMP && olen > (l3[0] & 0xfu) * 4u &&
	    l3[(l3[0] & 0xf) * 4] != RTE_IP_ICMP_ECHO_REQUEST &&
	    l3[(l3[0] & 0xf) * 4] != RTE_IP_ICMP_ECHO_REPLY)
		return;
	if (family == AF_INET6 && l3[6] == IPPROTO_ICMPV6 && olen > 40 && l3[40] < 128)
		return;
	m = rte_pktmbuf_alloc(dp_ctl_pool());
	if (m == NULL)
		return;
	if (family == AF_INET) {
		uint32_t quote = RTE_MIN(olen, 576u - 20 - 8);
		struct rte_ipv4_hdr *ip;
		struct rte_icmp_hdr *ic;
		p = (uint8_t *)rte_pktmbuf_append(m, 20 + 8 + quote);
		if (p == NULL)
			goto fail;
		ip = (void *)p;
		ic = (void *)(p + 20);
		memset(p, 0, 28);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(20 + 8 + quote);
		ip->time_to_live = 65;	/* the outbound path takes one */
		ip->next_proto_id = IPPROTO_ICMP;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, osrc, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic->icmp_type = 11;	/* time exceeded, code 0: TTL in transit */
		memcpy(ic + 1, l3, quote);
		ic->icmp_cksum = ~rte_raw_cksum(ic, 8 + quote);
	} else {
		uint32_t quote = RTE_MIN(olen, 1280u - 40 - 8);
		struct rte_ipv6_hdr *ip6;
		uint16_t ck;
		p = (uint8_t *)rte_pktmbuf_append(m, 40 + 8 + quote);
		if (p == NULL)
			goto fail;
		ip6 = (void *)p;
		memset(p, 0, 48);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(8 + quote);
		ip6->proto = IPPROTO_ICMPV6;
		ip6->hop_limits = 65;
		memcpy(ip6->src_addr, src, 16);
		memcpy(ip6->dst_addr, osrc, 16);
		p[40] = 3;		/* time exceeded, code 0: hop limit */
		memcpy(p + 48, l3, quote);
		ck = rte_ipv6_udptcp_cksum(ip6, p + 40);
		memcpy(p + 42, &ck, 2);
	}
	ctl.st.icmp_errors_sent++;
	dp_ctl_route(m, port);
	return;
fail:
	rte_pktmbuf_free(m);
}

