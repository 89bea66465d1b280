/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl capture (capture.c): what the workers copy (dataplane
 * capture) streamed to the asking client as pcapng, bounded by a packet
 * count and a duration, traffic untouched. One capture at a time.
 */
#ifndef ESPGW_CAPTURE_H
#define ESPGW_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct ctl_capture_req {
	const char *port;		/* NULL: every port */
	const char *sa;			/* NULL: every SA */
	unsigned points;		/* CAP_* */
	int drop;			/* -1: every reason */
	uint32_t count, seconds, snaplen;
};
/* KEY=VALUE words into req (defaults for those not given); -1 with err */
int ctl_capture_parse(int argc, char **argv, struct ctl_capture_req *req, char *err, size_t el);
/* start it for client; a line for the first reply into msg */
int ctl_capture_start(const struct ctl_capture_req *req, int client, char *msg, size_t ml,
		      char *err, size_t el);
/* from the control loop: copies out to the client, the end when it came */
void ctl_capture_poll(void);
void ctl_capture_stop_all(void);

#endif
