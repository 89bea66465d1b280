/* SPDX-License-Identifier: BSD-3-Clause */
/* The SA manager (sa_mgr.c): the one writer of SA and policy state. */
#ifndef ESPGW_SA_MGR_H
#define ESPGW_SA_MGR_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

int ctl_init_tables(struct espgw_config *c, char *err, size_t el);
int ctl_apply(const struct espgw_config *nc, char *err, size_t el);
/* the new SA's id, or -1 with err */
int ctl_sa_add(const struct sa_desc *d, char *err, size_t el);
int ctl_sa_del(const char *name, char *err, size_t el);
/* by id: -1 when there is no live SA of that id */
int ctl_sa_del_id(uint32_t id);
/* an SA's tunnel moves (MOBIKE): outbound, new outer addresses and UDP
 * encapsulation ports (0: plain ESP) from the next packet on */
int ctl_sa_move(uint32_t id, const struct ip_addr *local, const struct ip_addr *remote,
		uint16_t sport, uint16_t dport, char *err, size_t el);
int ctl_policy_add(const struct policy_desc *p, char *err, size_t el);
int ctl_policy_del(const char *name, char *err, size_t el);
int ctl_find_sa(const char *name);
void ctl_sa_tick(void);

#endif
