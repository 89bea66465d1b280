/* SPDX-License-Identifier: BSD-3-Clause */
/* IKE's per-tunnel policies in the workers' per-prefix tables (tpol.c). */
#ifndef ESPGW_TPOL_H
#define ESPGW_TPOL_H

#include <stdbool.h>

#include "common/desc.h"
#include "dataplane/dp_api.h"

int ctl_tpol_init(unsigned max);
bool ctl_tpol_add(const struct policy_desc *p, struct dp_sa *sa);
void ctl_tpol_del(unsigned i);
int ctl_tpol_by_name(const char *name);
int ctl_tpol_by_sa(const char *sa);
/* IKE's policies in the workers' per-tunnel tables (not in ctl.policies
 * nor the rte_acl SPD), for listings */
unsigned ctl_tunnel_policies(void);
const struct policy_desc *ctl_tunnel_policy(unsigned i);

#endif
