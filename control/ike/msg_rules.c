/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The message layer's payload rules (RFC 7296 1.2-1.5, section 3): for
 * each exchange and direction, which payloads a message carries, how many
 * of each, and that all but IKE_SA_INIT's are inside SK. The engine checks
 * every message here once, so no exchange meets a duplicated, missing or
 * misplaced payload.
 */
#include <stdbool.h>
#include <stdint.h>

#include "control/ike/msg.h"

/* one payload type in one kind of message: how many, and where */
struct pl_rule {
	uint8_t type, min, max;
};

#define MANY 255
#define RULES(...) ((const struct pl_rule[]){ __VA_ARGS__, { PL_NONE, 0, 0 } })

static const struct {
	uint8_t exchange;
	bool response;
	const struct pl_rule *r;
} msg_rules[] = {
	{ IKE_SA_INIT, false, RULES({ PL_SA, 1, 1 }, { PL_KE, 1, 1 }, { PL_NONCE, 1, 1 },
				    { PL_CERTREQ, 0, MANY }, { PL_NOTIFY, 0, MANY },
				    { PL_VENDOR, 0, MANY }) },
	{ IKE_SA_INIT, true, RULES({ PL_SA, 1, 1 }, { PL_KE, 1, 1 }, { PL_NONCE, 1, 1 },
				   { PL_CERTREQ, 0, MANY }, { PL_NOTIFY, 0, MANY },
				   { PL_VENDOR, 0, MANY }) },
	/* (IKE_AUTH with EAP, 2.16: the EAP rounds carry EAP alone, the last
	 * AUTH alone; the exchange checks what each round needs) */
	{ IKE_AUTH, false, RULES({ PL_IDI, 0, 1 }, { PL_CERT, 0, 8 }, { PL_CERTREQ, 0, MANY },
				 { PL_IDR, 0, 1 }, { PL_AUTH, 0, 1 }, { PL_EAP, 0, 1 }, { PL_CP, 0, 1 },
				 /* (none of the three: childless, RFC 6023) */
				 { PL_SA, 0, 1 }, { PL_TSI, 0, 1 }, { PL_TSR, 0, 1 },
				 { PL_NOTIFY, 0, MANY }, { PL_VENDOR, 0, MANY }) },
	{ IKE_AUTH, true, RULES({ PL_IDR, 0, 1 }, { PL_CERT, 0, 8 }, { PL_CERTREQ, 0, MANY },
				{ PL_AUTH, 0, 1 }, { PL_EAP, 0, 1 },
				{ PL_CP, 0, 1 }, { PL_SA, 0, 1 }, { PL_TSI, 0, 1 }, { PL_TSR, 0, 1 },
				{ PL_NOTIFY, 0, MANY }, { PL_VENDOR, 0, MANY }) },
	{ CREATE_CHILD_SA, false, RULES({ PL_SA, 1, 1 }, { PL_NONCE, 1, 1 }, { PL_KE, 0, 1 },
					{ PL_TSI, 0, 1 }, { PL_TSR, 0, 1 },
					{ PL_NOTIFY, 0, MANY }, { PL_VENDOR, 0, MANY }) },
	{ CREATE_CHILD_SA, true, RULES({ PL_SA, 1, 1 }, { PL_NONCE, 1, 1 }, { PL_KE, 0, 1 },
				       { PL_TSI, 0, 1 }, { PL_TSR, 0, 1 },
				       { PL_NOTIFY, 0, MANY }, { PL_VENDOR, 0, MANY }) },
	{ INFORMATIONAL, false, RULES({ PL_NOTIFY, 0, MANY }, { PL_DELETE, 0, MANY },
				      { PL_CP, 0, 1 }, { PL_VENDOR, 0, MANY }) },
	{ INFORMATIONAL, true, RULES({ PL_NOTIFY, 0, MANY }, { PL_DELETE, 0, MANY },
				     { PL_CP, 0, 1 }, { PL_VENDOR, 0, MANY }) },
};

/* an error notify (or a cookie, or a redirect) makes a response one that
 * stands alone */
static bool
standalone_notify(const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct ike_err er;

	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], &n, &er) == 0 &&
		    (n.type <= N_ERROR_MAX || n.type == N_COOKIE || n.type == N_REDIRECT))
			return true;
	return false;
}

int
ike_msg_check(const struct ike_msg *m, struct ike_err *e)
{
	bool response = m->h.flags & IKE_FLAG_R, plain = m->h.exchange == IKE_SA_INIT;
	const struct pl_rule *r = NULL;
	unsigned count[256] = { 0 };

	for (unsigned i = 0; i < sizeof(msg_rules) / sizeof(msg_rules[0]) && !r; i++)
		if (msg_rules[i].exchange == m->h.exchange && msg_rules[i].response == response)
			r = msg_rules[i].r;
	if (r == NULL)
		return ike_fail(e, N_INVALID_SYNTAX, "unknown exchange");
	for (unsigned i = 0; i < m->n; i++) {
		uint8_t t = m->pl[i].type;
		if (t == PL_SK || t == PL_SKF) {
			if (plain)
				return ike_fail(e, N_INVALID_SYNTAX, "encrypted payload in IKE_SA_INIT");
			continue;
		}
		if (!plain && i < m->n_plain)
			return ike_fail(e, N_INVALID_SYNTAX, "payload outside SK");
		count[t]++;
	}
	for (unsigned t = 1; t < 256; t++) {
		const struct pl_rule *x = r;
		if (t == PL_SK || t == PL_SKF)
			continue;
		while (x->type != PL_NONE && x->type != t)
			x++;
		if (count[t] > x->max)
			return ike_fail(e, N_INVALID_SYNTAX, x->type == PL_NONE ?
				    "a payload this exchange does not carry" : "payload repeated");
	}
	if (response && standalone_notify(m))
		return 0;
	for (const struct pl_rule *x = r; x->type != PL_NONE; x++)
		if (count[x->type] < x->min)
			return ike_fail(e, N_INVALID_SYNTAX, "payload missing");
	return 0;
}
