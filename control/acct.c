/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS accounting (RFC 2866) of the IKE engine's sessions (acct.h): a
 * session of a connection with `eap: radius` gets Accounting-Request
 * Start when its IKE SA is up, Interim-Update every `radius.interim`
 * seconds and Stop when it ends (an IKE SA rekey keeps it), with the data
 * plane's counts: the CHILD_SAs gone (summed when they go) plus those
 * still up. Input is what the peer sent (our inbound SAs), output what it
 * got. The requests go through radius.c's thread.
 */
#define LOG_SUBSYS LOG_SS_RADIUS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "control/acct.h"
#include "control/radius.h"
#include "dataplane/dp_api.h"

#define BUCKETS 4096
#define MAX_SAS 32		/* live SA ids of a session: 16 CHILD_SAs */

struct sess {
	struct sess *next;
	uint64_t id;
	char user[USER_NAME_LEN];
	char calling[IP_ADDR_STRLEN], called[IP_ADDR_STRLEN];
	struct ip_addr vip;
	time_t start, next_interim;
	uint32_t sa[MAX_SAS];		/* inbound, outbound, inbound, ... */
	unsigned n_sa;
	uint64_t in_b, out_b, in_p, out_p;	/* of the SAs gone */
};

static struct sess *bucket[BUCKETS];

static struct sess **
find(uint64_t id)
{
	struct sess **p = &bucket[id % BUCKETS];

	while (*p && (*p)->id != id)
		p = &(*p)->next;
	return p;
}

static void
send_acct(struct sess *s, enum radius_acct_type t, uint32_t cause)
{
	struct radius_acct a = { .type = t, .vip = s->vip, .cause = cause };

	snprintf(a.session_id, sizeof(a.session_id), "%016lx", (unsigned long)s->id);
	snprintf(a.user, sizeof(a.user), "%s", s->user);
	snprintf(a.calling, sizeof(a.calling), "%s", s->calling);
	snprintf(a.called, sizeof(a.called), "%s", s->called);
	a.in_bytes = s->in_b;
	a.out_bytes = s->out_b;
	a.in_pkts = s->in_p;
	a.out_pkts = s->out_p;
	for (unsigned i = 0; i < s->n_sa; i++) {
		struct dp_sa_ctr c;
		dp_sum_sa(s->sa[i], &c);
		*(i % 2 ? &a.out_bytes : &a.in_bytes) += c.bytes;
		*(i % 2 ? &a.out_pkts : &a.in_pkts) += c.pkts;
	}
	a.seconds = (uint32_t)(time(NULL) - s->start);
	if (radius_accounting(&a) < 0)
		log_warn("radius: accounting for '%s' not queued", s->user);
}

/* RFC 2866 5.10's Acct-Terminate-Cause for a session's end */
static uint32_t
acct_terminate_cause(enum ike_end end)
{
	switch (end) {
	case IKE_END_DEAD:
		return 3;	/* Lost-Service (as strongSwan's eap-radius) */
	case IKE_END_LIFETIME:
		return 5;	/* Session-Timeout */
	case IKE_END_ADMIN:
		return 6;	/* Admin-Reset */
	case IKE_END_SHUTDOWN:
		return 7;	/* Admin-Reboot: the operator stops the NAS */
	case IKE_END_PEER:
		break;
	}
	return 1;		/* User-Request: the peer's Delete */
}

void
acct_session(const struct ike_session *e, bool up)
{
	struct sess **p = find(e->id), *s = *p;
	unsigned interim;

	if (!radius_acct_on(&interim))
		return;
	if (up && s == NULL && (s = calloc(1, sizeof(*s))) != NULL) {
		s->id = e->id;
		snprintf(s->user, sizeof(s->user), "%s", e->user);
		ip_addr_fmt(&e->remote.addr, s->calling, sizeof(s->calling));
		ip_addr_fmt(&e->local.addr, s->called, sizeof(s->called));
		s->vip = e->vip;
		s->start = time(NULL);
		s->next_interim = interim ? s->start + interim : 0;
		s->next = bucket[e->id % BUCKETS];
		bucket[e->id % BUCKETS] = s;
		send_acct(s, RADIUS_ACCT_START, 0);
	} else if (!up && s != NULL) {
		send_acct(s, RADIUS_ACCT_STOP, acct_terminate_cause(e->end));
		*p = s->next;
		free(s);
	}
}

void
acct_child(uint64_t session, uint32_t id_in, uint32_t id_out, bool up)
{
	struct sess *s = session ? *find(session) : NULL;

	if (s == NULL)
		return;
	if (up) {
		if (s->n_sa + 2 <= MAX_SAS) {
			s->sa[s->n_sa++] = id_in;
			s->sa[s->n_sa++] = id_out;
		}
		return;
	}
	for (unsigned i = 0; i + 1 < s->n_sa; i += 2) {
		struct dp_sa_ctr ci, co;
		if (s->sa[i] != id_in)
			continue;
		dp_sum_sa(id_in, &ci);
		dp_sum_sa(id_out, &co);
		s->in_b += ci.bytes;
		s->in_p += ci.pkts;
		s->out_b += co.bytes;
		s->out_p += co.pkts;
		s->sa[i] = s->sa[s->n_sa - 2];
		s->sa[i + 1] = s->sa[s->n_sa - 1];
		s->n_sa -= 2;
		return;
	}
}

void
acct_tick(void)
{
	time_t now = time(NULL);
	unsigned interim;

	if (!radius_acct_on(&interim))
		return;
	for (unsigned b = 0; b < BUCKETS; b++)
		for (struct sess *s = bucket[b]; s; s = s->next)
			if (s->next_interim && now >= s->next_interim) {
				send_acct(s, RADIUS_ACCT_INTERIM, 0);
				s->next_interim = now + (interim ? interim : 600);
			}
}

void
acct_fini(void)
{
	for (unsigned b = 0; b < BUCKETS; b++)
		while (bucket[b]) {
			struct sess *s = bucket[b];
			bucket[b] = s->next;
			free(s);
		}
}
