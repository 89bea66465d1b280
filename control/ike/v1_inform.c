/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 messages out beyond phase 1 and quick mode: datagrams to the peer,
 * informational exchanges (RFC 2408 4.8; HASH(1) over the message ID and
 * payloads, RFC 2409 5.7) with Delete and Notify payloads, DPD (RFC 3706)
 * and the end of an ISAKMP SA; the checks every protected message of
 * phase 2 shares (HASH(1), message IDs used once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

void
v1_msg_digest(const uint8_t *b, size_t n, uint8_t out[32])
{
	struct ike_iov v = { b, n };

	v1_hash(PRF_HMAC_SHA2_256, &v, 1, out);
}
/* one datagram to the peer */
void
v1_send(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n)
{
	e->st.tx++;
	e->ops->send(e->ctx, &sa->local, &sa->remote, b, n);
}
/* an unencrypted notify answering a first message we refuse */
void
v1_notify_plain(struct ike_engine *e, const struct ike_hdr *rh, const struct ike_ep *local,
		const struct ike_ep *remote, uint16_t type)
{
	uint8_t mem[256];
	struct ike_buf b;

	ike_buf_init(&b, mem, sizeof(mem));
	v1_hdr_put(&b, rh->spi_i, rh->spi_r, V1_INFO, 0, 0);
	v1_put_notify(&b, V1_PROTO_ISAKMP, type, NULL, 0, NULL, 0);
	if (ike_msg_finish(&b)) {
		e->st.tx++;
		e->ops->send(e->ctx, local, remote, b.p, b.len);
	}
}
static uint32_t
rand_msg_id(void)
{
	uint32_t id = 0;

	while (id == 0)
		ike_random(&id, sizeof(id));
	return id;
}
/* an informational exchange: HASH(1) = prf(SKEYID_a, M-ID | N/D) */
void
v1_send_info(struct ike_engine *e, struct ike_sa *sa, const uint8_t *inner, size_t ilen,
	     uint8_t first)
{
	uint32_t id = rand_msg_id();
	uint8_t mem[MSG_CAP], iv[V1_BLK], mid[4] = { id >> 24, id >> 16, id >> 8, id };
	struct ike_buf b;
	size_t h;

	if (sa->v1->plen == 0 || ilen > MSG_CAP - 256 || v1_iv_p2(sa, id, iv) < 0)
		return;
	v1_id_note(sa, id);
	ike_buf_init(&b, mem, sizeof(mem));
	v1_hdr_put(&b, sa->spi_i, sa->spi_r, V1_INFO, 0, id);
	h = ike_pl_begin(&b, V1_HASH);
	for (size_t i = 0; i < sa->v1->plen; i++)
		ike_put8(&b, 0);
	ike_pl_end(&b, h);
	b.p[h] = first;
	ike_put(&b, inner, ilen);
	struct ike_iov v[] = { { mid, 4 }, { inner, ilen } };
	if (b.overflow || v1_hash_a(sa, v, 2, b.p + h + 4) < 0 || v1_encrypt(sa->v1, &b, iv) == 0)
		return;
	v1_send(e, sa, b.p, b.len);
}
/* an inner chain of one payload built by fn into mem: its length */
static size_t
one_payload(uint8_t *mem, size_t cap, void (*fn)(struct ike_buf *, const void *), const void *arg)
{
	struct ike_buf b;
	uint8_t tmp[IKE_HDR_LEN + 512];

	(void)cap;
	ike_buf_init(&b, tmp, sizeof(tmp));
	b.len = IKE_HDR_LEN;		/* np_off (16) lies in the unused header */
	fn(&b, arg);
	if (b.overflow)
		return 0;
	memcpy(mem, tmp + IKE_HDR_LEN, b.len - IKE_HDR_LEN);
	return b.len - IKE_HDR_LEN;
}
static void
put_child_delete(struct ike_buf *b, const void *arg)
{
	const struct child *c = arg;
	uint8_t spi[4] = { c->spi_in >> 24, c->spi_in >> 16, c->spi_in >> 8, c->spi_in };

	v1_put_delete(b, V1_PROTO_ESP, spi, 4, 1);
}
void
v1_cookies(const struct ike_sa *sa, uint8_t ck[16])
{
	for (int i = 0; i < 8; i++) {
		ck[i] = (uint8_t)(sa->spi_i >> (56 - 8 * i));
		ck[8 + i] = (uint8_t)(sa->spi_r >> (56 - 8 * i));
	}
}
static void
put_ike_delete(struct ike_buf *b, const void *arg)
{
	uint8_t ck[16];

	v1_cookies(arg, ck);
	v1_put_delete(b, V1_PROTO_ISAKMP, ck, 16, 1);
}
struct dpd_arg {
	const struct ike_sa *sa;
	uint16_t type;
	uint32_t seq;
};
static void
put_dpd(struct ike_buf *b, const void *arg)
{
	const struct dpd_arg *d = arg;
	uint8_t ck[16], seq[4] = { d->seq >> 24, d->seq >> 16, d->seq >> 8, d->seq };

	v1_cookies(d->sa, ck);
	v1_put_notify(b, V1_PROTO_ISAKMP, d->type, ck, 16, seq, 4);
}
/* our CHILD_SA's delete (our inbound SPI), and it goes */
void
v1_send_child_delete(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	uint8_t in[64];
	size_t n = one_payload(in, sizeof(in), put_child_delete, c);

	if (n)
		v1_send_info(e, sa, in, n, V1_D);
	ike_child_remove(e, sa, c);
}
void
v1_send_dpd(struct ike_engine *e, struct ike_sa *sa, uint16_t type, uint32_t seq)
{
	uint8_t in[64];
	struct dpd_arg a = { sa, type, seq };
	size_t n = one_payload(in, sizeof(in), put_dpd, &a);

	if (n)
		v1_send_info(e, sa, in, n, V1_N);
}
/* a Delete of the ISAKMP SA to the peer, and it ends here */
void
v1_terminate(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t in[64];
	size_t n;

	if (sa->state == S_ESTABLISHED) {
		for (int i = 0; i < MAX_CHILD; i++)
			if (child_up(&sa->ch[i]))
				v1_send_child_delete(e, sa, &sa->ch[i]);
		n = one_payload(in, sizeof(in), put_ike_delete, sa);
		if (n)
			v1_send_info(e, sa, in, n, V1_D);
	}
	ike_sa_kill(e, sa, "deleted");
}
/* HASH(1) of an informational or quick mode message: prf(SKEYID_a, M-ID |
 * pre | the payloads after HASH), in constant time */
static bool
hash_ok(const struct ike_sa *sa, const struct ike_msg *m, const uint8_t *pre, size_t prelen)
{
	const struct ike_pl *h = m->n ? &m->pl[0] : NULL;
	const struct ike_pl *last = m->n ? &m->pl[m->n - 1] : NULL;
	uint8_t exp[IKE_MAX_PRF];
	uint32_t id = m->h.msg_id;
	uint8_t mid[4] = { id >> 24, id >> 16, id >> 8, id };
	const uint8_t *from, *to;

	if (h == NULL || h->type != V1_HASH || h->len != sa->v1->plen)
		return false;
	from = h->body + h->len;
	to = last->body + last->len;
	struct ike_iov v[] = { { mid, 4 }, { pre, prelen }, { from, (size_t)(to - from) } };
	return v1_hash_a(sa, v, 3, exp) == 0 && CRYPTO_memcmp(exp, h->body, h->len) == 0;
}
bool
v1_hash1_ok(const struct ike_sa *sa, const struct ike_msg *m, const uint8_t *pre, size_t prelen)
{
	return hash_ok(sa, m, pre, prelen);
}
bool
v1_id_seen(const struct ike_sa *sa, uint32_t id)
{
	for (unsigned i = 0; i < V1_SEEN; i++)
		if (sa->v1->seen[i] == id && id != 0)
			return true;
	return false;
}
void
v1_id_note(struct ike_sa *sa, uint32_t id)
{
	sa->v1->seen[sa->v1->seen_next++ % V1_SEEN] = id;
}

/* the header, and HASH's room: the offset of its value */
size_t
v1_p2_begin(struct ike_buf *b, const struct ike_sa *sa, uint8_t x, uint32_t id)
{
	size_t h;

	v1_hdr_put(b, sa->spi_i, sa->spi_r, x, 0, id);
	h = ike_pl_begin(b, V1_HASH);
	for (size_t i = 0; i < sa->v1->plen; i++)
		ike_put8(b, 0);
	ike_pl_end(b, h);
	return h + 4;
}

/* HASH(1) or (2) = prf(SKEYID_a, M-ID [| Ni_b] | what follows HASH), sealed */
int
v1_p2_seal(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, struct ike_buf *b, size_t h,
       const uint8_t *pre, size_t prelen, bool awaits)
{
	uint8_t mid[4] = { q->msg_id >> 24, q->msg_id >> 16, q->msg_id >> 8, q->msg_id };
	size_t after = h + sa->v1->plen;

	if (b->overflow)
		return -1;
	struct ike_iov v[] = { { mid, 4 }, { pre, prelen }, { b->p + after, b->len - after } };
	if (v1_hash_a(sa, v, 3, b->p + h) < 0 || v1_encrypt(sa->v1, b, q->iv) == 0)
		return -1;
	free(q->tx);
	q->tx = malloc(b->len);
	if (q->tx == NULL)
		return -1;
	memcpy(q->tx, b->p, b->len);
	q->tx_len = b->len;
	q->awaits = awaits;
	q->sent_at = e->now;
	q->timeout = sa->conn->d.retransmit_ms;
	q->tries = 0;
	v1_send(e, sa, b->p, b->len);
	return 0;
}

/* q's message again when its time has come: 1 sent, 0 not yet, -1 the
 * tries are spent */
int
v1_p2_resend(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, uint64_t now)
{
	if (now - q->sent_at < q->timeout)
		return 0;
	if (++q->tries > sa->conn->d.retransmit_tries)
		return -1;
	e->st.retransmits++;
	q->sent_at = now;
	q->timeout *= 2;
	v1_send(e, sa, q->tx, q->tx_len);
	return 1;
}
