/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages to the workers: posted on every worker's ring, acknowledged on
 * each one's event ring; what a message retired (an old SPD or route
 * table, a deleted SA, an emptied policy bucket) is freed when the last
 * worker acknowledged it (a message-based grace period, no RCU library).
 * Lifetime events from the workers go to the handler the SA manager set.
 */
#define LOG_SUBSYS LOG_SS_SA
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/msgs.h"

static dp_event_fn event_fn;

void
ctl_msgs_init(dp_event_fn ev)
{
	event_fn = ev;
}

static void
on_ack(struct dp_msg *m)
{
	uint64_t ns = (rte_get_tsc_cycles() - m->submit_tsc) * 1000000000ull /
		      rte_get_tsc_hz();

	ctl.st.msgs_acked++;
	ctl.st.ack_lat_ns_last = ns;
	if (ns > ctl.st.ack_lat_ns_max)
		ctl.st.ack_lat_ns_max = ns;
	/* what the message retired goes now: no worker can reach it */
	if (m->type == MSG_SPD_SWAP)
		dp_spd_free(m->old);
	else if (m->type == MSG_RT_SWAP)
		dp_rt_free(m->old);
	else if (m->type == MSG_SA_MOVE)
		dp_sa_path_free(m->old);
	else if (m->type == MSG_CAP_SET)
		dp_capture_free(m->old);
	if (m->done)
		m->done(m);
	ctl.in_flight--;
	free(m);
}

void
ctl_poll_rings(void)
{
	dp_poll(on_ack, event_fn);
}

struct dp_msg *
ctl_msg_new(enum dp_msg_type t, void *obj, void *old)
{
	struct dp_msg *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		log_err("out of memory posting a message: aborting");
		abort();
	}
	m->type = t;
	m->obj = obj;
	m->old = old;
	return m;
}

/* Post, waiting for ring space if the workers lag behind. */
void
ctl_msg_post(struct dp_msg *m)
{
	while (dp_post(m) < 0) {
		ctl_poll_rings();
		rte_pause();
	}
	ctl.in_flight++;
	ctl.st.msgs_posted++;
}

void
ctl_post(enum dp_msg_type t, void *obj, void *old)
{
	ctl_msg_post(ctl_msg_new(t, obj, old));
}

/* Stop the workers once everything posted so far was acknowledged. */
void
ctl_quit(void)
{
	struct dp_msg *m = calloc(1, sizeof(*m));

	m->type = MSG_QUIT;
	while (dp_post(m) < 0)
		ctl_poll_rings();
	ctl.in_flight++;
	while (ctl.in_flight > 0) {
		ctl_poll_rings();
		rte_pause();
	}
}
