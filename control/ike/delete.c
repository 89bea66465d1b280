/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 Deletes out (RFC 7296 1.4.1): of one CHILD_SA, of the IKE SA,
 * and the end of an IKE SA with a Delete where one can still go. Below
 * the exchanges: each of them may end what it must through these.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

/* an INFORMATIONAL request with one Delete: of CHILD_SA c, or (NULL) the IKE_SA */
static void
send_delete(struct ike_engine *e, struct ike_sa *sa, const struct child *c)
{
	uint8_t inner[16];
	struct ike_buf ib;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_delete(&ib, c);
	ike_send_informational(e, sa, inner, ib.len, PL_DELETE);
}

void
ike_send_child_delete(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	sa->pend = P_DELETE_CHILD;
	sa->pend_old = (int)(c - sa->ch);
	sa->pend_child_spi = c->spi_in;
	c->state = CH_DELETING;
	send_delete(e, sa, c);
}

/* the IKE_SA's Delete (its CHILD_SAs go with it) */
void
ike_send_ike_delete(struct ike_engine *e, struct ike_sa *sa)
{
	sa->state = S_DELETING;
	send_delete(e, sa, NULL);
}

/* a Delete to the peer where one can go, else gone at once */
void
ike_sa_terminate(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->state != S_ESTABLISHED || sa->req != NULL)
		ike_sa_kill(e, sa, "terminated");
	else
		ike_send_ike_delete(e, sa);
	ike_sched(e, sa);
}
