/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters as operators see them (ctrs.c): the data plane's, summed over
 * workers, less what `clear counters` set aside; and what changed in the
 * last second (rates, an SA's last use). Workers' counters are never
 * written here: a clear is a baseline, so accounting (RADIUS) and the
 * lifetimes keep counting from the SA's start.
 */
#ifndef ESPGW_CTRS_H
#define ESPGW_CTRS_H

#include <stdint.h>
#include <time.h>

#include "dataplane/dp_api.h"

int ctrs_init(unsigned max_sas);
void ctrs_port(unsigned port, struct dp_port_ctr *c);
void ctrs_sa(uint32_t id, struct dp_sa_ctr *c);
void ctrs_worker(unsigned w, struct dp_worker_ctr *c);
/* every drop reason: the workers' and the control thread's */
void ctrs_drops(uint64_t tot[ESPGW_DROP_MAX]);

void ctrs_clear_all(void);
void ctrs_clear_sa(uint32_t id);
void ctrs_clear_drops(void);
/* an SA was made in slot id (its workers' counters start at zero) */
void ctrs_sa_new(uint32_t id);

/* once a second: the rates over the last second and each SA's last use */
void ctrs_tick(void);
struct ctrs_rate {
	uint64_t pps, bps;		/* SA: its packets; port: received */
	uint64_t tx_pps, tx_bps;	/* port: sent */
};
void ctrs_port_rate(unsigned port, struct ctrs_rate *r);
void ctrs_sa_rate(uint32_t id, struct ctrs_rate *r);
/* when the SA last carried a packet (seen by the once-a-second sample); 0: never */
time_t ctrs_sa_last_used(uint32_t id);
/* when the counters were last cleared (0: never) */
time_t ctrs_cleared_at(void);

#endif
