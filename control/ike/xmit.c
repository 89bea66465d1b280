/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending: sealing a message (one datagram or RFC 7383 fragments), our
 * outstanding request and last response kept for retransmission, and
 * the reassembly of fragments coming in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

static int
dg_add(struct dgrams *d, const uint8_t *b, size_t n)
{
	uint8_t *p = realloc(d->p, d->len + 2 + n);

	if (p == NULL)
		return -1;
	p[d->len] = (uint8_t)(n >> 8);
	p[d->len + 1] = (uint8_t)n;
	memcpy(p + d->len + 2, b, n);
	d->p = p;
	d->len += 2 + n;
	return 0;
}

static void
xmit_to(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote,
	const uint8_t *p, size_t len)
{
	while (len >= 2) {
		size_t n = (size_t)p[0] << 8 | p[1];
		if (n + 2 > len)
			break;
		e->st.tx++;
		if (n > IKE_HDR_LEN && p[2 + 16] == PL_SKF)
			e->st.frags_tx++;
		e->ops->send(e->ctx, local, remote, p + 2, n);
		p += 2 + n;
		len -= 2 + n;
	}
}

/* every datagram of a struct dgrams */
void
ike_xmit(struct ike_engine *e, struct ike_sa *sa, const uint8_t *p, size_t len)
{
	xmit_to(e, &sa->local, &sa->remote, p, len);
}

/* our last response, to where its request came from */
void
ike_xmit_resp(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->resp_remote.addr.family)
		xmit_to(e, &sa->resp_local, &sa->resp_remote, sa->resp, sa->resp_len);
	else
		ike_xmit(e, sa, sa->resp, sa->resp_len);
}

/* d (taken over) is our outstanding request: send it */
void
ike_send_request(struct ike_engine *e, struct ike_sa *sa, struct dgrams *d)
{
	free(sa->req);
	sa->req = d->p;
	sa->req_len = d->len;
	sa->req_tries = 0;
	sa->req_sent = e->now;
	sa->req_timeout = sa->conn->d.retransmit_ms;
	d->p = NULL;
	if (sa->req)
		ike_xmit(e, sa, sa->req, sa->req_len);
}

static void
keep_response(struct ike_engine *e, struct ike_sa *sa, struct dgrams *d)
{
	free(sa->resp);
	sa->resp = d->p;
	sa->resp_len = d->len;
	sa->have_resp = sa->resp != NULL;
	d->p = NULL;
	if (sa->resp)
		ike_xmit_resp(e, sa);
}

/* an unencrypted message (IKE_SA_INIT) */
void
ike_send_plain(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n, bool response)
{
	struct dgrams d = { 0 };

	if (dg_add(&d, b, n) < 0)
		return;
	if (response)
		keep_response(e, sa, &d);
	else
		ike_send_request(e, sa, &d);
}

void
ike_hdr_for(const struct ike_sa *sa, struct ike_hdr *h, uint8_t x, bool response, uint32_t id)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = sa->spi_i;
	h->spi_r = sa->spi_r;
	h->exchange = x;
	h->flags = (sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0);
	h->msg_id = id;
}

/* IP, UDP and the non-ESP marker around an IKE message to the peer */
static size_t
dgram_overhead(const struct ike_sa *sa)
{
	return (sa->remote.addr.family == AF_INET6 ? 40 : 20) + 8 +
	       (sa->remote.port == IKE_NATT_PORT || sa->local.port == IKE_NATT_PORT ? 4 : 0);
}

/*
 * An encrypted message for sa carrying the inner chain: one datagram, or,
 * when both sides support RFC 7383 and the datagram would exceed the
 * connection's fragment size, Encrypted Fragments that each fit (2.5.1).
 * Returns 0 with d filled, -1 on failure.
 */
int
ike_seal(struct ike_sa *sa, struct dgrams *d, uint8_t x, bool response, uint32_t id,
     const uint8_t *inner, size_t ilen, uint8_t first)
{
	uint8_t mem[MSG_CAP + 256];
	const struct ike_keys *k = &sa->keys;
	size_t frag_size = sa->conn->d.fragment_size, n, fixed, room, total;
	bool ae = ike_encr_aead(k->a.encr);
	struct ike_buf b;
	struct ike_hdr h;

	memset(d, 0, sizeof(*d));
	ike_hdr_for(sa, &h, x, response, id);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	n = ike_sk_seal(k, sa->initiator, &b, first, inner, ilen);
	if (n == 0)
		return -1;
	if (!sa->frag || n + dgram_overhead(sa) <= frag_size)
		return dg_add(d, mem, n);
	/* per fragment: header, SKF header with the numbers, IV, ICV */
	fixed = dgram_overhead(sa) + IKE_HDR_LEN + 8 + (ae ? 8 : 16) + k->icv_len;
	if (frag_size < fixed + 32)
		return -1;
	room = ae ? frag_size - fixed - 1 : (frag_size - fixed) / 16 * 16 - 1;
	total = (ilen + room - 1) / room;
	if (total > MAX_FRAGS)
		return -1;
	for (size_t i = 0; i < total; i++) {
		size_t off = i * room, len = ilen - off < room ? ilen - off : room;
		ike_buf_init(&b, mem, sizeof(mem));
		ike_hdr_put(&b, &h);
		n = ike_skf_seal(k, sa->initiator, &b, i ? PL_NONE : first, inner + off, len,
				 (uint16_t)(i + 1), (uint16_t)total);
		if (n == 0 || dg_add(d, mem, n) < 0) {
			free(d->p);
			d->p = NULL;
			return -1;
		}
	}
	return 0;
}

void
ike_send_encrypted_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x, uint32_t id,
			const uint8_t *inner, size_t ilen, uint8_t first)
{
	struct dgrams d;

	if (ike_seal(sa, &d, x, true, id, inner, ilen, first) == 0)
		keep_response(e, sa, &d);
}

void
ike_send_notify_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x, uint32_t id,
		     uint16_t type)
{
	ike_send_notify_data_response(e, sa, x, id, type, NULL, 0);
}

void
ike_send_notify_data_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x, uint32_t id,
			  uint16_t type, const void *data, size_t len)
{
	uint8_t inner[96];
	struct ike_buf ib;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_notify(&ib, 0, type, NULL, 0, data, len);
	if (!ib.overflow)
		ike_send_encrypted_response(e, sa, x, id, inner, ib.len, PL_NOTIFY);
}

void
ike_send_informational(struct ike_engine *e, struct ike_sa *sa, const uint8_t *inner, size_t ilen,
		   uint8_t first)
{
	struct dgrams d;

	if (ike_seal(sa, &d, INFORMATIONAL, false, sa->my_id, inner, ilen, first) == 0)
		ike_send_request(e, sa, &d);
}


/* keeps one decrypted fragment (num of total); the whole message once complete */
static int
frag_keep(struct ike_sa *sa, const struct ike_msg *m, const struct ike_pl *skf,
	  const uint8_t *piece, int n, uint8_t *out, size_t cap, uint8_t *first)
{
	struct frag_rx *fr = sa->frx;
	bool response = m->h.flags & IKE_FLAG_R;
	uint16_t num = (uint16_t)(skf->body[0] << 8 | skf->body[1]);
	uint16_t total = (uint16_t)(skf->body[2] << 8 | skf->body[3]);
	size_t off = 0;

	/* another message, or the sender fragmented it anew into more: restart */
	if (fr && (fr->msg_id != m->h.msg_id || fr->response != response || total > fr->total)) {
		ike_frx_free(sa);
		fr = NULL;
	}
	if (fr && total < fr->total)
		return -1;	/* from an older fragmentation of this message */
	if (fr == NULL) {
		fr = sa->frx = calloc(1, sizeof(*fr));
		if (fr == NULL)
			return -1;
		fr->msg_id = m->h.msg_id;
		fr->response = response;
		fr->total = total;
	}
	if (fr->piece[num - 1])
		return FRAG_MORE;	/* a duplicate */
	if (fr->bytes + (size_t)n > cap || (fr->piece[num - 1] = malloc(n ? n : 1)) == NULL) {
		ike_frx_free(sa);
		return -1;
	}
	memcpy(fr->piece[num - 1], piece, n);
	fr->len[num - 1] = (uint16_t)n;
	fr->bytes += n;
	if (num == 1)
		fr->first = skf->body[-4];
	if (++fr->got < fr->total)
		return FRAG_MORE;
	for (unsigned i = 0; i < fr->total; i++) {
		memcpy(out + off, fr->piece[i], fr->len[i]);
		off += fr->len[i];
	}
	*first = fr->first;
	ike_frx_free(sa);
	return (int)off;
}

/*
 * One Encrypted Fragment (RFC 7383 2.6): authenticated and decrypted on
 * its own; once all of its message's fragments are in, the inner chain
 * goes into out and its length is returned. FRAG_MORE while some are
 * missing, -1 for a fragment to drop.
 */
int
ike_frag_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
	       const struct ike_pl *skf, uint8_t *out, size_t cap, uint8_t *first)
{
	static uint8_t piece[IKE_MAX_MSG];
	struct ike_pl body = *skf;
	uint16_t num, total;
	int n, rc;

	if (!sa->frag || skf->len < 4)
		return -1;
	num = (uint16_t)(skf->body[0] << 8 | skf->body[1]);
	total = (uint16_t)(skf->body[2] << 8 | skf->body[3]);
	if (num == 0 || num > total || total > MAX_FRAGS)
		return -1;
	body.body += 4;
	body.len -= 4;
	n = ike_sk_open(&sa->keys, m->h.flags & IKE_FLAG_I, m, &body, piece, sizeof(piece));
	if (n < 0)
		return -1;
	e->st.frags_rx++;
	rc = frag_keep(sa, m, skf, piece, n, out, cap, first);
	ike_wipe(piece, (size_t)n);	/* scratch: no plaintext stays behind */
	return rc;
}

/* an answer without keys to a request (its exchange, message ID and SPIs) */
void
ike_send_init_error(struct ike_engine *e, const struct ike_hdr *rh, const struct ike_ep *local,
		const struct ike_ep *remote, uint16_t type, const void *data, size_t len)
{
	uint8_t mem[256];
	struct ike_buf b;
	struct ike_hdr h = { .spi_i = rh->spi_i, .spi_r = rh->spi_r, .exchange = rh->exchange,
			     .msg_id = rh->msg_id, .flags = IKE_FLAG_R };

	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	ike_put_notify(&b, 0, type, NULL, 0, data, len);
	if (ike_msg_finish(&b)) {
		e->st.tx++;
		e->ops->send(e->ctx, local, remote, mem, b.len);
	}
}
