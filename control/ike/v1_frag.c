/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 phase 1 messages out (kept for retransmission) and IKEv1
 * fragmentation as strongSwan and Cisco implement it (no RFC): both sides
 * send the FRAGMENTATION vendor ID; a message whose IP datagram would
 * exceed the connection's fragment_size then leaves as a series of ISAKMP
 * messages (the same cookies, message ID 0, the phase 1 exchange type, not
 * encrypted) each carrying one FRAGMENT payload: fragment ID, number from
 * 1, a flag on the last, and a piece of the whole message's bytes. The
 * receiver joins the pieces and takes the result as the message itself,
 * so its HASH or SIG covers all of it. Large certificates then cross paths
 * that drop IP fragments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

/* "FRAGMENTATION" (strongSwan); Cisco's adds 4 bytes of capabilities */
const uint8_t v1_vid_frag[16] = {
	0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3,
};

#define FRAG_HDR (IKE_HDR_LEN + 8)	/* ISAKMP header, FRAGMENT payload header */

static int
dg_add(uint8_t **p, size_t *len, const uint8_t *b, size_t n)
{
	uint8_t *q = realloc(*p, *len + 2 + n);

	if (q == NULL)
		return -1;
	q[*len] = (uint8_t)(n >> 8);
	q[*len + 1] = (uint8_t)n;
	memcpy(q + *len + 2, b, n);
	*p = q;
	*len += 2 + n;
	return 0;
}

/* what fits in one datagram of the connection's fragment size */
static size_t
room(const struct ike_sa *sa)
{
	size_t over = (sa->remote.addr.family == AF_INET6 ? 40 : 20) + 8 +
		      (sa->local.port == IKE_NATT_PORT ? 4 : 0);

	return sa->conn->d.fragment_size > over ? sa->conn->d.fragment_size - over : 0;
}

/* msg as datagrams: itself, or its fragments when both sides do them */
static int
datagrams(struct ike_sa *sa, const uint8_t *msg, size_t n, uint8_t **out, size_t *olen)
{
	size_t r = room(sa), piece, off = 0;
	uint8_t buf[2048];
	uint8_t num = 1;

	*out = NULL;
	*olen = 0;
	if (!sa->v1->frag_vid || r == 0 || n <= r)
		return dg_add(out, olen, msg, n);
	if (r <= FRAG_HDR + 64)
		return -1;
	piece = r - FRAG_HDR;
	if (piece > sizeof(buf) - FRAG_HDR)
		piece = sizeof(buf) - FRAG_HDR;
	sa->v1->frag_id++;
	while (off < n) {
		size_t k = n - off < piece ? n - off : piece;
		struct ike_buf b;
		size_t o;
		ike_buf_init(&b, buf, sizeof(buf));
		v1_hdr_put(&b, sa->spi_i, sa->spi_r, sa->v1->mode, 0, 0);
		o = ike_pl_begin(&b, V1_FRAG);
		ike_put16(&b, sa->v1->frag_id);
		ike_put8(&b, num++);
		ike_put8(&b, off + k == n ? 1 : 0);
		ike_put(&b, msg + off, k);
		ike_pl_end(&b, o);
		if (ike_msg_finish(&b) == 0 || dg_add(out, olen, buf, b.len) < 0)
			return -1;
		off += k;
	}
	return 0;
}

/* phase 1: our message sent, and kept to send again (request: until
 * answered; else when the peer repeats its last) */
void
v1_send_p1(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n, bool request)
{
	uint8_t *p = NULL;
	size_t len = 0;

	free(sa->req);
	free(sa->resp);
	sa->req = sa->resp = NULL;
	sa->req_len = sa->resp_len = 0;
	sa->have_resp = false;
	if (n == 0)
		return;
	if (datagrams(sa, b, n, &p, &len) < 0) {
		free(p);
		log_warn("ike %s: IKEv1 message of %zu bytes not sent", sa->conn->d.name, n);
		return;
	}
	if (request) {
		sa->req = p;
		sa->req_len = len;
		sa->req_tries = 0;
		sa->req_sent = e->now;
		sa->req_timeout = sa->conn->d.retransmit_ms;
	} else {
		sa->resp = p;
		sa->resp_len = len;
		sa->have_resp = true;
	}
	if (len > n + 2)		/* more than the one datagram: fragments */
		for (const uint8_t *q = p; q < p + len; q += 2 + (q[0] << 8 | q[1]))
			e->st.frags_tx++;
	ike_xmit(e, sa, p, len);
}

/*
 * A FRAGMENT payload of m: kept; once the last and all before it are in,
 * the whole message in out: its length. FRAG_MORE while pieces are
 * missing, -1 for a malformed or excess one.
 */
int
v1_frag_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m, uint8_t *out,
	      size_t cap)
{
	const struct ike_pl *f = m->n == 1 && m->pl[0].type == V1_FRAG ? &m->pl[0] : NULL;
	struct v1_frx *x;
	uint16_t id;
	uint8_t num, last;
	size_t total = 0;

	if (f == NULL || f->len < 5 || (m->h.flags & V1_FLAG_E))
		return -1;
	id = (uint16_t)(f->body[0] << 8 | f->body[1]);
	num = f->body[2];
	last = f->body[3] & 1;
	if (num == 0 || num > V1_MAX_FRAGS)
		return -1;
	if (sa->v1->frx && sa->v1->frx->id != id)
		v1_frx_free(sa->v1);
	if (sa->v1->frx == NULL && (sa->v1->frx = calloc(1, sizeof(*sa->v1->frx))) == NULL)
		return -1;
	x = sa->v1->frx;
	x->id = id;
	if (x->piece[num - 1] == NULL) {
		if ((x->piece[num - 1] = malloc(f->len - 4u)) == NULL)
			return -1;
		memcpy(x->piece[num - 1], f->body + 4, f->len - 4u);
		x->len[num - 1] = (uint16_t)(f->len - 4);
		e->st.frags_rx++;
	}
	if (last)
		x->last = num;
	if (x->last == 0)
		return FRAG_MORE;
	for (unsigned i = 0; i < x->last; i++) {
		if (x->piece[i] == NULL)
			return FRAG_MORE;
		if (total + x->len[i] > cap) {
			v1_frx_free(sa->v1);
			return -1;
		}
		memcpy(out + total, x->piece[i], x->len[i]);
		total += x->len[i];
	}
	v1_frx_free(sa->v1);
	return (int)total;
}
