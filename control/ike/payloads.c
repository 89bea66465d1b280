/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payloads the exchanges build from an SA's state: KE, Nonce, ESP
 * proposals, IDs, CERTREQ, Delete, NAT detection (2.23).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

bool
ike_has_notify(const struct ike_msg *m, uint16_t type)
{
	struct ike_notify_pl n;

	return ike_find_notify(m, type, &n) != NULL;
}

/* NAT detection hash (2.23): SHA-1(SPIi | SPIr | IP | port) */
static void
nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_ep *ep, uint8_t out[20])
{
	uint8_t buf[16 + 16 + 2];
	unsigned n = 0, al = ip_alen(ep->addr.family);

	for (int i = 7; i >= 0; i--)
		buf[n++] = spi_i >> (8 * i);
	for (int i = 7; i >= 0; i--)
		buf[n++] = spi_r >> (8 * i);
	memcpy(buf + n, ep->addr.a, al);
	n += al;
	buf[n++] = ep->port >> 8;
	buf[n++] = ep->port & 255;
	EVP_Digest(buf, n, out, NULL, EVP_sha1(), NULL);
}

/* RFC 7427 4: we verify and make SHA2-256/384/512 signatures */
void
ike_put_sig_hashes(struct ike_buf *b)
{
	static const uint8_t h[6] = { 0, 2, 0, 3, 0, 4 };

	ike_put_notify(b, 0, N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, h, sizeof(h));
}

void
ike_put_nat_notifies(struct ike_buf *b, const struct ike_sa *sa)
{
	uint8_t h[20];

	nat_hash(sa->spi_i, sa->spi_r, &sa->local, h);
	ike_put_notify(b, 0, N_NAT_DETECTION_SOURCE_IP, NULL, 0, h, 20);
	nat_hash(sa->spi_i, sa->spi_r, &sa->remote, h);
	ike_put_notify(b, 0, N_NAT_DETECTION_DESTINATION_IP, NULL, 0, h, 20);
}

/* true when a NAT is between us (either side's hash differs) */
bool
ike_nat_detected(const struct ike_msg *m, struct ike_sa *sa)
{
	struct ike_notify_pl n;
	uint8_t h[20];
	bool src_ok = false, any = false;

	/* the hashes cover the SPIs of the message's own header (SPIr 0 in a request) */
	nat_hash(m->h.spi_i, m->h.spi_r, &sa->remote, h);
	for (unsigned i = 0; i < m->n; i++) {
		struct ike_err er;
		if (m->pl[i].type != PL_NOTIFY || ike_notify_parse(&m->pl[i], &n, &er) < 0 ||
		    n.type != N_NAT_DETECTION_SOURCE_IP)
			continue;
		any = true;
		if (n.data_len == 20 && CRYPTO_memcmp(n.data, h, 20) == 0)
			src_ok = true;
	}
	if (!any)
		return false;
	/* the peer saw another address than ours: we are behind a NAT (2.23) */
	nat_hash(m->h.spi_i, m->h.spi_r, &sa->local, h);
	sa->behind_nat = ike_find_notify(m, N_NAT_DETECTION_DESTINATION_IP, &n) == NULL ||
			 n.data_len != 20 || CRYPTO_memcmp(n.data, h, 20) != 0;
	return sa->behind_nat || !src_ok;
}

void
ike_put_eap(struct ike_buf *b, const uint8_t *p, size_t n)
{
	size_t off = ike_pl_begin(b, PL_EAP);

	ike_put(b, p, n);
	ike_pl_end(b, off);
}

void
ike_put_ke_of(struct ike_buf *b, uint16_t group, struct ike_dh *dh)
{
	uint8_t pub[2 * 66 + 256];
	size_t n = ike_dh_public(dh, pub, sizeof(pub)), off = ike_pl_begin(b, PL_KE);

	ike_put16(b, group);
	ike_put16(b, 0);
	ike_put(b, pub, n);
	ike_pl_end(b, off);
}

void
ike_put_ke(struct ike_buf *b, struct ike_sa *sa)
{
	ike_put_ke_of(b, sa->dh_group, sa->dh);
}

/* our ESP proposals with our inbound SPI; DH transforms only with a KE */
void
ike_put_esp_offer(struct ike_buf *ib, const struct ike_conn *c, uint32_t spi, bool keep_dh)
{
	struct ike_proposal props[IKE_MAX_CONN_PROPS];

	for (unsigned i = 0; i < c->n_esp; i++) {
		unsigned k = 0;
		props[i] = c->esp[i];
		props[i].spi_size = 4;
		props[i].spi = spi;
		for (unsigned t = 0; t < props[i].n; t++)
			if (keep_dh || props[i].t[t].type != TT_DH)
				props[i].t[k++] = props[i].t[t];
		props[i].n = k;
	}
	ike_put_sa(ib, props, c->n_esp);
}

/* the proposal we accepted, under the peer's number, with our SPI */
void
ike_put_esp_chosen(struct ike_buf *ib, const struct child *c)
{
	struct ike_proposal p;

	memset(&p, 0, sizeof(p));
	p.num = c->prop_num;
	p.proto = PROTO_ESP;
	p.spi_size = 4;
	p.spi = c->spi_in;
	p.t[p.n++] = (struct ike_transform){ TT_ENCR, c->esp.encr, c->esp.encr_bits };
	if (c->esp.integ)
		p.t[p.n++] = (struct ike_transform){ TT_INTEG, c->esp.integ, 0 };
	if (c->esp.dh)
		p.t[p.n++] = (struct ike_transform){ TT_DH, c->esp.dh, 0 };
	p.t[p.n++] = (struct ike_transform){ TT_ESN, c->esp.esn, 0 };
	ike_put_sa(ib, &p, 1);
}

void
ike_put_nonce(struct ike_buf *b, const uint8_t *n, size_t len)
{
	size_t off = ike_pl_begin(b, PL_NONCE);
	ike_put(b, n, len);
	ike_pl_end(b, off);
}

/* CERTREQ (3.7): the CAs we trust, when we trust any */
void
ike_put_certreq(struct ike_buf *b, const struct ike_conn *c)
{
	uint8_t h[20 * 16];
	size_t n = ike_certreq_data(&c->creds, h, sizeof(h)), off;

	if (n == 0)
		return;
	off = ike_pl_begin(b, PL_CERTREQ);
	ike_put8(b, 4);
	ike_put(b, h, n);
	ike_pl_end(b, off);
}

void
ike_put_id(struct ike_buf *b, uint8_t type, const struct ike_id *id)
{
	size_t off = ike_pl_begin(b, type);
	ike_put8(b, id->type);
	ike_put(b, NULL, 3);
	ike_put(b, id->data, id->len);
	ike_pl_end(b, off);
}

void
ike_put_auth(struct ike_buf *b, const uint8_t *a, size_t n)
{
	size_t off = ike_pl_begin(b, PL_AUTH);
	ike_put8(b, AUTH_PSK);
	ike_put(b, NULL, 3);
	ike_put(b, a, n);
	ike_pl_end(b, off);
}

/* a Delete payload (3.11): of CHILD_SA c by our inbound SPI, or (NULL) of the IKE_SA */
void
ike_put_delete(struct ike_buf *b, const struct child *c)
{
	size_t off = ike_pl_begin(b, PL_DELETE);

	ike_put8(b, c ? PROTO_ESP : PROTO_IKE);
	ike_put8(b, c ? 4 : 0);
	ike_put16(b, c ? 1 : 0);
	if (c)
		ike_put32(b, c->spi_in);
	ike_pl_end(b, off);
}

/* an error notify in a response, or 0 */
uint16_t
ike_error_notify(const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct ike_err er;

	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], &n, &er) == 0 &&
		    n.type <= N_ERROR_MAX)
			return n.type;
	return 0;
}
