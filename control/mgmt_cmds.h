/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management commands' handlers: mgmt_show.c (what the data plane and
 * control thread show), mgmt_cmds.c (what changes them, and the IKE and
 * log commands). mgmt.c's table binds them to their syntax.
 */
#ifndef ESPGW_MGMT_CMDS_H
#define ESPGW_MGMT_CMDS_H

#include <stdint.h>

#include <jansson.h>

#include "control/mgmt.h"

void mgmt_json(struct sbuf *b, json_t *j);
json_t *mgmt_spi_json(uint32_t spi);

/* mgmt_show.c */
int show_version(struct mgmt_req *r);
int show_ports(struct mgmt_req *r);
int show_workers(struct mgmt_req *r);
int show_policies(struct mgmt_req *r);
int show_sas(struct mgmt_req *r);
int show_sa(struct mgmt_req *r);
int show_drops(struct mgmt_req *r);
int show_drops_all(struct mgmt_req *r);
int show_stats(struct mgmt_req *r);
int show_routes(struct mgmt_req *r);
int show_neigh(struct mgmt_req *r);
int show_rates(struct mgmt_req *r);

/* mgmt_cmds.c */
int cmd_show_ike(struct mgmt_req *r);
int cmd_sa_add(struct mgmt_req *r);
int cmd_sa_del(struct mgmt_req *r);
int cmd_policy_add(struct mgmt_req *r);
int cmd_policy_del(struct mgmt_req *r);
int cmd_ike_initiate(struct mgmt_req *r);
int cmd_ike_terminate(struct mgmt_req *r);
int cmd_ike_terminate_child(struct mgmt_req *r);
int cmd_ike_rekey(struct mgmt_req *r);
int cmd_ike_redirect(struct mgmt_req *r);
int cmd_ike_move(struct mgmt_req *r);
int cmd_clear_counters(struct mgmt_req *r);
int cmd_clear_drops(struct mgmt_req *r);
int cmd_clear_sa(struct mgmt_req *r);
int cmd_log_show(struct mgmt_req *r);
int cmd_log_level(struct mgmt_req *r);
int cmd_log_follow(struct mgmt_req *r);
int cmd_capture(struct mgmt_req *r);
int cmd_keys(struct mgmt_req *r);

#endif
