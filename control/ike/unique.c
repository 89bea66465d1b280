/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One IKE SA per peer: INITIAL_CONTACT (RFC 7296 2.4) and the
 * connection's uniqueness policy (`unique`, as strongSwan has it) when an
 * IKEv2 SA is authenticated. The same peer is the same connection, peer
 * identity and XAUTH/EAP user; IKEv1 keeps its own rules (v1_settle).
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

static bool
same_peer(const struct ike_sa *o, const struct ike_sa *sa)
{
	return o != sa && !o->v1 && o->conn == sa->conn && o->state != S_DEAD &&
	       ike_id_equal(&o->peer_ident, &sa->peer_ident) && !strcmp(o->user, sa->user);
}

bool
ike_first_contact(struct ike_engine *e, const struct ike_sa *sa)
{
	/* (none when the connection holds only this SA) */
	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next)
		if (o != sa && !o->v1 && o->conn == sa->conn && o->state != S_DEAD &&
		    ip_addr_eq(&o->remote.addr, &sa->remote.addr))
			return false;
	return true;
}

int
ike_unique(struct ike_engine *e, struct ike_sa *sa, bool initial_contact)
{
	enum conn_unique u = sa->conn->d.unique;

	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next) {
		if (!same_peer(o, sa))
			continue;
		if (initial_contact && u != CONN_UNIQUE_NEVER) {
			/* the peer restarted: it knows nothing of these */
			ike_sa_kill(e, o, "replaced (INITIAL_CONTACT)");
		} else if (u == CONN_UNIQUE_KEEP && o->state == S_ESTABLISHED) {
			log_info("ike %s: the peer has an IKE_SA already (unique: keep): the new "
				 "one is refused", sa->conn->d.name);
			return -1;
		} else if (u == CONN_UNIQUE_REPLACE && o->state == S_ESTABLISHED) {
			log_info("ike %s: IKE_SA %016lx_%016lx replaced (unique: replace)",
				 sa->conn->d.name, (unsigned long)o->spi_i, (unsigned long)o->spi_r);
			ike_sa_terminate(e, o);
		}
	}
	return 0;
}
