/* SPDX-License-Identifier: BSD-3-Clause */
/* Messages to the workers (msgs.c). */
#ifndef ESPGW_MSGS_H
#define ESPGW_MSGS_H

#include "dataplane/dp_api.h"

/* messages to every worker; freed after the last ack, after
 * m->done ran */
void ctl_msgs_init(dp_event_fn ev);
struct dp_msg *ctl_msg_new(enum dp_msg_type t, void *obj, void *old);
void ctl_msg_post(struct dp_msg *m);
void ctl_post(enum dp_msg_type t, void *obj, void *old);
void ctl_poll_rings(void);
void ctl_quit(void);

#endif
