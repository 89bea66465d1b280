/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INFORMATIONAL (1.4): Delete of CHILD_SAs and IKE_SAs, both roles, and
 * what terminates an SA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

void
ike_info_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t inner[512];
	struct ike_buf ib;
	uint8_t first = PL_NONE;
	bool kill = false;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	if (ike_mobike_request(e, sa, m, &ib))
		first = PL_NOTIFY;
	for (unsigned i = 0; i < m->n; i++) {
		struct ike_delete_pl d;
		struct ike_err er;
		if (m->pl[i].type != PL_DELETE || ike_delete_parse(&m->pl[i], &d, &er) < 0)
			continue;
		if (d.proto == PROTO_IKE) {
			kill = true;
		} else if (d.proto == PROTO_ESP) {
			for (unsigned k = 0; k < d.n; k++) {
				const uint8_t *x = d.spis + 4 * k;
				uint32_t spi = (uint32_t)x[0] << 24 | x[1] << 16 | x[2] << 8 | x[3];
				struct child *c = ike_child_by_spi_out(sa, spi);
				if (c == NULL)
					continue;
				if (c->state == CH_DELETING) {
					/* both sides closing it: no Delete in the answer (2.25.1) */
					ike_child_remove(e, sa, c);
					continue;
				}
				/* answer with our inbound SPI of the pair (1.4.1) */
				ike_put_delete(&ib, c);
				first = PL_DELETE;
				/* the end of a rekey: its successor takes the traffic */
				if (c->routed)
					for (int j = 0; j < MAX_CHILD; j++)
						if (&sa->ch[j] != c && !sa->ch[j].routed &&
						    (sa->ch[j].state == CH_INSTALLED ||
						     sa->ch[j].state == CH_REKEYED) &&
						    !memcmp(&sa->ch[j].ts_l, &c->ts_l, sizeof(c->ts_l)) &&
						    !memcmp(&sa->ch[j].ts_r, &c->ts_r, sizeof(c->ts_r))) {
							ike_child_switch(e, sa, &sa->ch[j], c);
							break;
						}
				ike_child_remove(e, sa, c);
			}
		}
	}
	ike_send_encrypted_response(e, sa, INFORMATIONAL, m->h.msg_id, inner, ib.len, first);
	if (kill)
		ike_sa_kill(e, sa, "deleted by the peer");
}

int
ike_terminate(struct ike_engine *e, const char *name, enum ike_end why, uint64_t now)
{
	int n = 0;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state == S_DEAD || strcmp(sa->conn->d.name, name))
			continue;
		n++;
		ike_sa_end_as(sa, why);
		if (sa->v1)
			v1_terminate(e, sa);
		else
			ike_sa_terminate(e, sa);
	}
	return n;
}

int
ike_child_terminate(struct ike_engine *e, const char *name, uint32_t spi, uint64_t now)
{
	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state != S_ESTABLISHED || strcmp(sa->conn->d.name, name))
			continue;
		for (int i = 0; i < MAX_CHILD; i++) {
			struct child *c = &sa->ch[i];
			if (!child_up(c) || c->state == CH_DELETING ||
			    (c->spi_in != spi && c->spi_out != spi))
				continue;
			log_info("ike %s: CHILD_SA %08x/%08x deleted by the operator", name,
				 c->spi_in, c->spi_out);
			if (sa->v1)
				v1_send_child_delete(e, sa, c);
			else
				ike_send_child_delete(e, sa, c);
			ike_sched(e, sa);
			return 1;
		}
	}
	return 0;
}

/* the connection goes: its IKE_SAs are deleted, it with the last of them */
int
ike_conn_remove(struct ike_engine *e, const char *name, uint64_t now)
{
	struct ike_conn *c = NULL;

	e->now = now;
	for (unsigned i = 0; i < e->n_conn; i++)
		if (!strcmp(e->conn[i]->d.name, name)) {
			c = e->conn[i];
			e->conn[i] = e->conn[--e->n_conn];
			break;
		}
	if (c == NULL)
		return -1;
	/* its IKE_SAs are deleted; the connection goes with the last of them */
	c->removed = true;
	c->refs++;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->conn == c && sa->state != S_DEAD) {
			ike_sa_end_as(sa, IKE_END_ADMIN);
			if (sa->v1)
				v1_terminate(e, sa);
			else
				ike_sa_terminate(e, sa);
		}
	ike_conn_put(c);
	return 0;
}
