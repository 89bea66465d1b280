/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: IKEv1 datagrams from the network. Each input goes
 * through the ISAKMP decoder and every typed payload decoder (SA payloads
 * as phase 1 and as phase 2, notifies, deletes, phase 2 identities,
 * Mode Config and XAUTH attributes), then
 * into a responder engine that takes main and aggressive mode (so the
 * proposal choice, KE, nonce and ID paths run too). Nothing may crash,
 * leak or hang.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

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
	strcpy(c.proposals, "aes128-sha256-modp2048,aes256-sha384-ecp256");
	strcpy(c.esp_proposals, "aes128gcm16,aes128-sha256-ecp256");
	ip_prefix_parse("0.0.0.0/0", &c.local_ts);
	ip_prefix_parse("0.0.0.0/0", &c.remote_ts);
	c.version = 1;
	c.aggressive = true;
	e = ike_engine_new(&ops, NULL);
	if (ike_conn_add(e, ike_conn_new(&c, err, sizeof(err)), err, sizeof(err)) < 0)
		abort();
	return e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now;
	struct ike_msg m;
	struct ike_err er;
	struct ike_ep l = { .port = 500 }, r = { .port = 500 };

	memset(&m, 0, sizeof(m));
	if (v1_hdr_parse(data, size, &m.h, &er) == 0 &&
	    v1_chain_parse(m.h.next, data + IKE_HDR_LEN, size - IKE_HDR_LEN,
			   m.h.flags & V1_FLAG_E, &m, &er) == 0) {
		for (unsigned i = 0; i < m.n; i++) {
			struct v1_sa_pl sp;
			struct ike_notify_pl n;
			struct ike_delete_pl d;
			struct ike_ts ts;
			struct v1_cfg_pl cp;

			switch (m.pl[i].type) {
			case V1_SA:
				v1_sa_parse(&m.pl[i], true, &sp, &er);
				v1_sa_parse(&m.pl[i], false, &sp, &er);
				break;
			case V1_N: v1_notify_parse(&m.pl[i], &n, &er); break;
			case V1_D: v1_delete_parse(&m.pl[i], &d, &er); break;
			case V1_ID: v1_id_to_ts(m.pl[i].body, m.pl[i].len, &ts); break;
			case V1_ATTR: v1_cfg_parse(&m.pl[i], &cp); break;
			}
		}
	}
	ip_addr_parse("198.18.0.2", &l.addr);
	ip_addr_parse("198.18.0.1", &r.addr);
	now += 100;
	ike_input(engine(), &l, &r, data, size, now);
	/* half-open SAs time out, so the engine does not fill up */
	ike_timer(engine(), now);
	return 0;
}
