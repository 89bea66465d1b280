/* SPDX-License-Identifier: BSD-3-Clause */
/* Telemetry and the control loop's own clock and stall metric (telemetry.c). */
#ifndef ESPGW_TELEMETRY_H
#define ESPGW_TELEMETRY_H

#include <stdint.h>

void ctl_telemetry_init(void);
/* telemetry_show.c: SAs, IKE, pools, stats, rates, asked over mgmt_socket */
void ctl_telemetry_show_init(const char *mgmt_socket);
uint64_t ctl_clock_ns(void);
/* account one pass of the control loop that took ns */
void ctl_loop_stall(uint64_t ns);
/* the longest pass in the last `secs` seconds (<= CTL_STALL_SECS) */
uint64_t ctl_loop_recent_max(unsigned secs);

#endif
