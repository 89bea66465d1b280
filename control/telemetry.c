/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters in DPDK telemetry, so standard tooling (dpdk-telemetry.py)
 * reads them: /espgw/drops, /espgw/ports, /espgw/workers. The callbacks
 * run on DPDK's telemetry thread, so they read only what never moves after
 * start (ports, workers) through the same relaxed loads espgwctl uses; SA
 * state, which the control thread changes, stays with espgwctl.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "control/ctl.h"
#include "control/telemetry.h"

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t tot[ESPGW_DROP_MAX];

	(void)cmd;
	(void)params;
	for (int r = 0; r < ESPGW_DROP_MAX; r++)
		tot[r] = __atomic_load_n(&ctl.st.drops[r], __ATOMIC_RELAXED);
	for (unsigned i = 0; i < dp_n_workers(); i++) {
		struct dp_worker_ctr c;
		dp_sum_worker(i, &c);
		for (int r = 0; r < ESPGW_DROP_MAX; r++)
			tot[r] += c.drops[r];
	}
	rte_tel_data_start_dict(d);
	for (int r = 0; r < ESPGW_DROP_MAX; r++) {
		/* telemetry names allow [A-Za-z0-9_/]: esp-icv becomes esp_icv */
		char name[RTE_TEL_MAX_STRING_LEN];
		snprintf(name, sizeof(name), "%s", espgw_drop_name[r]);
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		rte_tel_data_add_dict_u64(d, name, tot[r]);
	}
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < dp_n_ports(); i++) {
		struct rte_tel_data *p = rte_tel_data_alloc();
		struct dp_port_ctr c;
		if (p == NULL)
			return -ENOMEM;
		dp_sum_port(i, &c);
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "rx_packets", c.rx_pkts);
		rte_tel_data_add_dict_u64(p, "rx_bytes", c.rx_bytes);
		rte_tel_data_add_dict_u64(p, "tx_packets", c.tx_pkts);
		rte_tel_data_add_dict_u64(p, "tx_bytes", c.tx_bytes);
		rte_tel_data_add_dict_container(d, dp_port_get(i)->name, p, 0);
	}
	return 0;
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < dp_n_workers(); i++) {
		struct rte_tel_data *w = rte_tel_data_alloc();
		struct dp_worker_ctr c;
		char name[24];
		if (w == NULL)
			return -ENOMEM;
		dp_sum_worker(i, &c);
		rte_tel_data_start_dict(w);
		rte_tel_data_add_dict_u64(w, "polls", c.polls);
		rte_tel_data_add_dict_u64(w, "idle_polls", c.idle_polls);
		rte_tel_data_add_dict_u64(w, "sleeps", c.sleeps);
		rte_tel_data_add_dict_u64(w, "esp_in", c.esp_in);
		rte_tel_data_add_dict_u64(w, "esp_out", c.esp_out);
		rte_tel_data_add_dict_u64(w, "bypass", c.plain_fwd);
		rte_tel_data_add_dict_u64(w, "punted", c.punted);
		snprintf(name, sizeof(name), "worker%u", i);
		rte_tel_data_add_dict_container(d, name, w, 0);
	}
	return 0;
}

void
ctl_telemetry_init(void)
{
	rte_telemetry_register_cmd("/espgw/drops", tel_drops,
				   "Packets dropped, by reason. No parameters");
	rte_telemetry_register_cmd("/espgw/ports", tel_ports,
				   "Per-port packet and byte counters. No parameters");
	rte_telemetry_register_cmd("/espgw/workers", tel_workers,
				   "Per-worker poll and packet counters. No parameters");
}

/* ---- control loop stalls ---- */

uint64_t
ctl_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
ctl_loop_stall(uint64_t ns)
{
	uint64_t sec = ctl_clock_ns() / 1000000000ull;
	struct ctl_stats *s = &ctl.st;

	/* buckets of seconds that passed without a pass start at zero */
	for (uint64_t k = s->loop_sec + 1; k <= sec && k <= s->loop_sec + CTL_STALL_SECS; k++)
		s->loop_sec_max_ns[k % CTL_STALL_SECS] = 0;
	if (sec > s->loop_sec)
		s->loop_sec = sec;
	if (ns > s->loop_sec_max_ns[sec % CTL_STALL_SECS])
		s->loop_sec_max_ns[sec % CTL_STALL_SECS] = ns;
	if (ns > s->loop_max_ns)
		s->loop_max_ns = ns;
}

uint64_t
ctl_loop_recent_max(unsigned secs)
{
	uint64_t sec = ctl_clock_ns() / 1000000000ull, m = 0;
	const struct ctl_stats *s = &ctl.st;

	for (unsigned k = 0; k < secs && k < CTL_STALL_SECS && k <= sec; k++)
		if (sec - k <= s->loop_sec && s->loop_sec - (sec - k) < CTL_STALL_SECS &&
		    s->loop_sec_max_ns[(sec - k) % CTL_STALL_SECS] > m)
			m = s->loop_sec_max_ns[(sec - k) % CTL_STALL_SECS];
	return m;
}
