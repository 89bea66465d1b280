/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: IKEv2 datagrams from the network. Each input goes
 * through the decoder and every typed payload decoder, then into a
 * responder engine (which answers IKE_SA_INIT requests, so the proposal,
 * KE and nonce paths run too). Nothing may crash, leak or hang.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
drop(void *ctx, const struct ike_ep *l, const struct ike_ep *r, const uint8_t *b, size_t n)
{
	(void)ctx; (void)l; (void)r; (void)b; (void)n;
}

static struct ike_engine *
engine(void)
{
	static const struct ike_ops ops = { .send = drop };
	static struct ike_engine *e;
	struct conn_desc c;
	char err[128];

	if (e)
		return e;
	espgw_log_level = LOG_LVL_ERR;
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "fuzz");
	ip_addr_parse("198.18.0.2", &c.local);
	strcpy(c.psk, "fuzz");
	strcpy(c.proposals, "aes128gcm16-prfsha256-x25519,aes256-sha256-ecp256");
	strcpy(c.esp_proposals, "aes128gcm16");
	ip_prefix_parse("0.0.0.0/0", &c.local_ts);
	ip_prefix_parse("0.0.0.0/0", &c.remote_ts);
	e = ike_engine_new(&ops, NULL);
	if (ike_conn_add(e, ike_conn_new(&c, err, sizeof(err)), err, sizeof(err)) < 0)
		abort();
	return e;
}

/* an EAP packet into each state of both roles' machines */
static void
eap_all(const uint8_t *p, size_t n)
{
	static const uint8_t states[] = { EAP_S_NONE, EAP_S_IDENTITY, EAP_S_CHALLENGE,
					  EAP_S_SUCCESS_SENT, EAP_S_DONE };
	struct ike_eap x;
	uint8_t out[512];
	char user[USER_NAME_LEN];

	for (size_t k = 0; k < sizeof(states); k++) {
		memset(&x, 0, sizeof(x));
		x.state = states[k];
		x.id = n > 1 ? p[1] : 0;
		strcpy(user, "alice");
		ike_eap_server(&x, NULL, p, n, out, sizeof(out), user, sizeof(user));
		memset(&x, 0, sizeof(x));
		x.state = states[k];
		ike_eap_peer(&x, "alice", "alice-pw", p, n, out, sizeof(out));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now;
	struct ike_msg m;
	struct ike_err er;
	struct ike_ep l = { .port = 500 }, r = { .port = 500 };

	if (ike_msg_parse(data, size, &m, &er) == 0) {
		for (unsigned i = 0; i < m.n; i++) {
			struct ike_proposal p[IKE_MAX_PROPOSALS];
			struct ike_ts ts[IKE_MAX_TS];
			struct ike_notify_pl n;
			struct ike_cp cp;
			struct ike_delete_pl d;
			const uint8_t *x;
			size_t xl;
			unsigned k;
			uint16_t g;
			uint8_t t;

			switch (m.pl[i].type) {
			case PL_SA: ike_sa_parse(&m.pl[i], p, IKE_MAX_PROPOSALS, &k, &er); break;
			case PL_TSI: case PL_TSR: ike_ts_parse(&m.pl[i], ts, IKE_MAX_TS, &k, &er); break;
			case PL_NOTIFY: ike_notify_parse(&m.pl[i], &n, &er); break;
			case PL_DELETE: ike_delete_parse(&m.pl[i], &d, &er); break;
			case PL_KE: ike_ke_parse(&m.pl[i], &g, &x, &xl, &er); break;
			case PL_IDI: case PL_AUTH: ike_typed_parse(&m.pl[i], &t, &x, &xl, &er); break;
			case PL_CP: ike_cp_parse(&m.pl[i], &cp); break;
			case PL_EAP: eap_all(m.pl[i].body, m.pl[i].len); break;
			}
		}
	}
	ip_addr_parse("198.18.0.2", &l.addr);
	ip_addr_parse("198.18.0.1", &r.addr);
	now += 100;
	ike_input(engine(), &l, &r, data, size, now);
	/* half-open SAs are reaped by the timer: keep the engine small */
	ike_timer(engine(), now + 60000);
	return 0;
}
