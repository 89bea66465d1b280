/* SPDX-License-Identifier: BSD-3-Clause */
/* RADIUS accounting of IKE sessions (acct.c). */
#ifndef ESPGW_ACCT_H
#define ESPGW_ACCT_H

#include <stdbool.h>
#include <stdint.h>

#include "control/ike/ike.h"

/* a session of a connection with eap: radius begins or ends */
void acct_session(const struct ike_session *s, bool up);
/* a CHILD_SA of a session, by its two SA ids: up, or going (its counts kept) */
void acct_child(uint64_t session, uint32_t id_in, uint32_t id_out, bool up);
/* once a second: the interim updates due */
void acct_tick(void);
void acct_fini(void);

#endif
