/* SPDX-License-Identifier: BSD-3-Clause */
/* Key export for Wireshark (keyexport.c): root only, with mgmt_key_export. */
#ifndef ESPGW_KEYEXPORT_H
#define ESPGW_KEYEXPORT_H

#include <stddef.h>

#include "control/mgmt.h"

int ctl_keys_esp(const struct mgmt_caller *who, struct sbuf *b, char *err, size_t el);
int ctl_keys_ike(const struct mgmt_caller *who, struct sbuf *b, char *err, size_t el);

#endif
