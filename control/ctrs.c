/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters as shown: baselines for `clear counters`, rates over the last
 * second and each SA's last use, from one sample a second. The sample
 * walks the SA slots once (a few ms at 100k SAs, off the packet path).
 */
#include <stdlib.h>
#include <string.h>

#include "control/ctl.h"
#include "control/ctrs.h"

struct sa_sample {
	struct dp_sa_ctr base;		/* set aside by a clear */
	uint64_t last_pkts, last_bytes;	/* raw, at the last sample */
	uint32_t pps, bps8;		/* over the last second; bps8: bytes/s */
	time_t last_used;
};

static struct {
	struct sa_sample *sa;
	unsigned max_sas;
	struct dp_port_ctr port_base[DP_MAX_PORTS], port_last[DP_MAX_PORTS];
	struct ctrs_rate port_rate[DP_MAX_PORTS];
	struct dp_worker_ctr worker_base[MAX_WORKERS];
	uint64_t ctl_drop_base[ESPGW_DROP_MAX];
	time_t cleared;
} c;

int
ctrs_init(unsigned max_sas)
{
	free(c.sa);
	memset(&c, 0, sizeof(c));
	c.sa = calloc(max_sas, sizeof(*c.sa));
	c.max_sas = c.sa ? max_sas : 0;
	return c.sa ? 0 : -1;
}

static void
sub(uint64_t *v, const uint64_t *base, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = v[i] >= base[i] ? v[i] - base[i] : 0;
}

void
ctrs_port(unsigned port, struct dp_port_ctr *o)
{
	dp_sum_port(port, o);
	if (port < DP_MAX_PORTS)
		sub(&o->rx_pkts, &c.port_base[port].rx_pkts, 4);
}

void
ctrs_sa(uint32_t id, struct dp_sa_ctr *o)
{
	dp_sum_sa(id, o);
	if (id < c.max_sas)
		sub(&o->pkts, &c.sa[id].base.pkts, sizeof(*o) / sizeof(uint64_t));
}

void
ctrs_worker(unsigned w, struct dp_worker_ctr *o)
{
	dp_sum_worker(w, o);
	if (w < MAX_WORKERS)
		sub((uint64_t *)o, (const uint64_t *)&c.worker_base[w],
		    offsetof(struct dp_worker_ctr, l4_csum_completed) / sizeof(uint64_t) + 1);
}

void
ctrs_drops(uint64_t tot[ESPGW_DROP_MAX])
{
	memcpy(tot, ctl.st.drops, sizeof(ctl.st.drops));
	sub(tot, c.ctl_drop_base, ESPGW_DROP_MAX);
	for (unsigned i = 0; i < dp_n_workers(); i++) {
		struct dp_worker_ctr w;
		ctrs_worker(i, &w);
		for (int d = 0; d < ESPGW_DROP_MAX; d++)
			tot[d] += w.drops[d];
	}
}

void
ctrs_clear_drops(void)
{
	memcpy(c.ctl_drop_base, ctl.st.drops, sizeof(c.ctl_drop_base));
	for (unsigned i = 0; i < dp_n_workers() && i < MAX_WORKERS; i++) {
		struct dp_worker_ctr w;
		dp_sum_worker(i, &w);
		memcpy(c.worker_base[i].drops, w.drops, sizeof(w.drops));
	}
}

void
ctrs_clear_sa(uint32_t id)
{
	if (id < c.max_sas)
		dp_sum_sa(id, &c.sa[id].base);
}

void
ctrs_clear_all(void)
{
	for (unsigned i = 0; i < dp_n_ports() && i < DP_MAX_PORTS; i++)
		dp_sum_port(i, &c.port_base[i]);
	for (unsigned i = 0; i < dp_n_workers() && i < MAX_WORKERS; i++)
		dp_sum_worker(i, &c.worker_base[i]);
	memcpy(c.ctl_drop_base, ctl.st.drops, sizeof(c.ctl_drop_base));
	for (uint32_t id = 0; id < c.max_sas; id++)
		if (ctl.sa[id].dp != NULL)
			ctrs_clear_sa(id);
	c.cleared = time(NULL);
}

void
ctrs_sa_new(uint32_t id)
{
	if (id < c.max_sas)
		memset(&c.sa[id], 0, sizeof(c.sa[id]));
}

void
ctrs_tick(void)
{
	time_t now = time(NULL);

	for (unsigned i = 0; i < dp_n_ports() && i < DP_MAX_PORTS; i++) {
		struct dp_port_ctr p, *l = &c.port_last[i];
		dp_sum_port(i, &p);
		c.port_rate[i] = (struct ctrs_rate){
			.pps = p.rx_pkts - l->rx_pkts, .bps = 8 * (p.rx_bytes - l->rx_bytes),
			.tx_pps = p.tx_pkts - l->tx_pkts, .tx_bps = 8 * (p.tx_bytes - l->tx_bytes),
		};
		*l = p;
	}
	for (uint32_t id = 0; id < c.max_sas; id++) {
		struct sa_sample *s = &c.sa[id];
		struct dp_sa_ctr x;
		if (ctl.sa[id].dp == NULL)
			continue;
		dp_sum_sa(id, &x);
		s->pps = (uint32_t)RTE_MIN(x.pkts - s->last_pkts, UINT32_MAX);
		s->bps8 = (uint32_t)RTE_MIN(x.bytes - s->last_bytes, UINT32_MAX);
		if (x.pkts != s->last_pkts)
			s->last_used = now;
		s->last_pkts = x.pkts;
		s->last_bytes = x.bytes;
	}
}

void
ctrs_port_rate(unsigned port, struct ctrs_rate *r)
{
	memset(r, 0, sizeof(*r));
	if (port < DP_MAX_PORTS)
		*r = c.port_rate[port];
}

void
ctrs_sa_rate(uint32_t id, struct ctrs_rate *r)
{
	memset(r, 0, sizeof(*r));
	if (id < c.max_sas) {
		r->pps = c.sa[id].pps;
		r->bps = 8ull * c.sa[id].bps8;
	}
}

time_t
ctrs_sa_last_used(uint32_t id)
{
	return id < c.max_sas ? c.sa[id].last_used : 0;
}

time_t
ctrs_cleared_at(void)
{
	return c.cleared;
}
