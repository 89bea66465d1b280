/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: drain control messages, then for each RX queue take a
 * burst and classify it; flush TX at the end; back off when idle. Nothing
 * here allocates (apart from the mbufs the NIC hands us), locks or logs.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_pause.h>
#include <unistd.h>

#include <rte_udp.h>

#include "dataplane/worker.h"

#define IDLE_SPIN 64		/* empty polls before we start pausing */
#define IDLE_PAUSE 512		/* ... and before we start sleeping */

static void
drain_ctl_tx(struct dp_worker *w)
{
	struct rte_mbuf *m[DP_BURST];
	unsigned k = rte_ring_sc_dequeue_burst(dp.ctl_route, (void **)m, DP_BURST, NULL);

	/* the control thread's own packets take the outbound path */
	for (unsigned i = 0; i < k; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);
		m[i]->l2_len = 0;
		m[i]->l3_len = (p[0] >> 4) == 4 ? (p[0] & 0xf) * 4u : sizeof(struct rte_ipv6_hdr);
	}
	if (k)
		esp_outbound(w, m, NULL, k);

	for (unsigned p = 0; p < dp.n_ports; p++) {
		k = rte_ring_sc_dequeue_burst(dp.port[p].ctl_tx, (void **)m, DP_BURST, NULL);
		for (unsigned i = 0; i < k; i++)
			w_tx_enqueue(w, p, m[i]);
	}
}

unsigned
worker_msgs(struct dp_worker *w, bool *quit)
{
	void *msgs[16];
	unsigned k = rte_ring_sc_dequeue_burst(w->msg_ring, msgs, RTE_DIM(msgs), NULL);

	for (unsigned i = 0; i < k; i++) {
		struct dp_msg *m = msgs[i];
		if (m->type == MSG_QUIT)
			*quit = true;
		worker_handle_msg(w, m);
	}
	return k;
}

int
worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	bool quit = false;

	while (!quit) {
		unsigned work = 0, k;

		k = worker_msgs(w, &quit);
		work += k;
		stage_mark(w, ST_OTHER);
		for (unsigned q = 0; q < w->n_rxq; q++) {
			uint16_t port = w->rxq[q].port;
			uint16_t n = rte_eth_rx_burst(dp.port[port].port_id,
						      w->rxq[q].queue, pkts, DP_BURST);
			if (n == 0)
				continue;
			w->pctr[port].rx_pkts += n;
			w_cap_burst(w, pkts, n, CAP_RX, port);
			stage_mark(w, ST_RX);
			worker_burst(w, port, pkts, n);
			work += n;
		}
		if (w->idx == 0)
			drain_ctl_tx(w);
		worker_flush(w);
		stage_mark(w, ST_TX);
		w->ctr.polls++;
		/*
		 * Adaptive back-off (as l3fwd-power / VPP adaptive mode): spin,
		 * then pause, then sleep once the queues stay empty, so an idle
		 * gateway gives its cores back. Any work resets it.
		 */
		if (work != 0) {
			w->idle = 0;
			continue;
		}
		w->ctr.idle_polls++;
		if (++w->idle < IDLE_SPIN)
			continue;
		if (w->idle < IDLE_PAUSE) {
			rte_pause();
			continue;
		}
		w->ctr.sleeps++;
		if (dp.idle_sleep_us)
			usleep(dp.idle_sleep_us);
	}
	return 0;
}
