/* SPDX-License-Identifier: BSD-3-Clause */
/* IKEv2 message decoder and encoder (RFC 7296 section 3). */
#include <string.h>

#include "control/ike/msg.h"

int
ike_hdr_parse(const uint8_t *b, size_t len, struct ike_hdr *h, struct ike_err *e)
{
	return ike_hdr_read(b, len, h, 2, e);
}

int
ike_hdr_read(const uint8_t *b, size_t len, struct ike_hdr *h, unsigned major, struct ike_err *e)
{
	if (len < IKE_HDR_LEN)
		return ike_fail(e, 0, "shorter than an IKE header");
	h->spi_i = ike_getn(b, 8);
	h->spi_r = ike_getn(b + 8, 8);
	h->next = b[16];
	h->version = b[17];
	h->exchange = b[18];
	h->flags = b[19];
	h->msg_id = ike_get32(b + 20);
	h->length = ike_get32(b + 24);
	if (h->version >> 4 != major)
		return ike_fail(e, major == 2 ? N_INVALID_MAJOR_VERSION : 0,
				major == 2 ? "not IKE version 2" : "not ISAKMP version 1");
	if (h->length != len)
		return ike_fail(e, 0, "length field differs from the datagram");
	if (h->spi_i == 0)
		return ike_fail(e, 0, "zero initiator SPI");
	return 0;
}

/* known payload types: an unknown critical one is an error (RFC 7296 2.5) */
static bool
known(uint8_t t)
{
	return (t >= PL_SA && t <= PL_EAP) || t == PL_SKF;
}

int
ike_chain_parse(uint8_t next, const uint8_t *b, size_t len, struct ike_msg *m,
		struct ike_err *e)
{
	size_t off = 0;

	while (next != PL_NONE) {
		uint16_t plen;
		uint8_t type = next;

		if (len - off < 4)
			return ike_fail(e, N_INVALID_SYNTAX, "truncated payload header");
		next = b[off];
		plen = ike_get16(b + off + 2);
		if (plen < 4 || plen > len - off)
			return ike_fail(e, N_INVALID_SYNTAX, "bad payload length");
		if (!known(type)) {
			if (b[off + 1] & 0x80) {
				e->pl_type = type;
				return ike_fail(e, N_UNSUPPORTED_CRITICAL_PAYLOAD,
					    "unknown critical payload");
			}
		} else {
			if (m->n == IKE_MAX_PL)
				return ike_fail(e, N_INVALID_SYNTAX, "too many payloads");
			m->pl[m->n].type = type;
			m->pl[m->n].critical = b[off + 1] & 0x80;
			m->pl[m->n].body = b + off + 4;
			m->pl[m->n].len = plen - 4;
			m->n++;
		}
		off += plen;
		/* SK and SKF end the plaintext chain: their body is ciphertext */
		if (type == PL_SK || type == PL_SKF) {
			if (off != len)
				return ike_fail(e, N_INVALID_SYNTAX, "payload after SK");
			return 0;
		}
	}
	if (off != len)
		return ike_fail(e, N_INVALID_SYNTAX, "trailing bytes after the last payload");
	return 0;
}

int
ike_msg_parse(const uint8_t *b, size_t len, struct ike_msg *m, struct ike_err *e)
{
	memset(m, 0, sizeof(*m));
	if (ike_hdr_parse(b, len, &m->h, e) < 0)
		return -1;
	m->raw = b;
	m->raw_len = len;
	if (ike_chain_parse(m->h.next, b + IKE_HDR_LEN, len - IKE_HDR_LEN, m, e) < 0)
		return -1;
	m->n_plain = m->n;
	return 0;
}

const struct ike_pl *
ike_find(const struct ike_msg *m, uint8_t type)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

int
ike_sa_parse(const struct ike_pl *p, struct ike_proposal *out, unsigned max, unsigned *n,
	     struct ike_err *e)
{
	const uint8_t *b = p->body;
	size_t len = p->len, off = 0;

	*n = 0;
	while (off < len) {
		struct ike_proposal *pr;
		uint16_t plen;
		size_t toff;
		uint8_t nt;

		if (len - off < 8)
			return ike_fail(e, N_INVALID_SYNTAX, "truncated proposal");
		plen = ike_get16(b + off + 2);
		if (plen < 8 || plen > len - off || (b[off] != 0 && b[off] != 2))
			return ike_fail(e, N_INVALID_SYNTAX, "bad proposal header");
		if (*n == max)
			return ike_fail(e, N_INVALID_SYNTAX, "too many proposals");
		pr = &out[(*n)++];
		memset(pr, 0, sizeof(*pr));
		pr->num = b[off + 4];
		pr->proto = b[off + 5];
		pr->spi_size = b[off + 6];
		nt = b[off + 7];
		if (pr->spi_size != 0 && pr->spi_size != 4 && pr->spi_size != 8)
			return ike_fail(e, N_INVALID_SYNTAX, "bad SPI size");
		if (8u + pr->spi_size > plen)
			return ike_fail(e, N_INVALID_SYNTAX, "proposal shorter than its SPI");
		pr->spi = ike_getn(b + off + 8, pr->spi_size);
		toff = off + 8 + pr->spi_size;
		for (unsigned i = 0; i < nt; i++) {
			uint16_t tlen;
			size_t aoff;
			struct ike_transform t = { 0 };

			if (off + plen - toff < 8)
				return ike_fail(e, N_INVALID_SYNTAX, "truncated transform");
			tlen = ike_get16(b + toff + 2);
			if (tlen < 8 || tlen > off + plen - toff ||
			    (b[toff] != 0 && b[toff] != 3) || (b[toff] == 0) != (i + 1 == nt))
				return ike_fail(e, N_INVALID_SYNTAX, "bad transform header");
			t.type = b[toff + 4];
			t.id = ike_get16(b + toff + 6);
			for (aoff = toff + 8; aoff < toff + tlen;) {
				uint16_t at;
				if (toff + tlen - aoff < 4)
					return ike_fail(e, N_INVALID_SYNTAX, "truncated attribute");
				at = ike_get16(b + aoff);
				if (!(at & 0x8000)) {
					/* TLV attributes: none defined for IKEv2 transforms */
					uint16_t alen = ike_get16(b + aoff + 2);
					if (alen > toff + tlen - aoff - 4)
						return ike_fail(e, N_INVALID_SYNTAX, "bad attribute");
					t.id = 0xffff;	/* unknown attribute: unusable */
					aoff += 4 + alen;
					continue;
				}
				if ((at & 0x7fff) == ATTR_KEY_LENGTH)
					t.key_len = ike_get16(b + aoff + 2);
				else
					t.id = 0xffff;
				aoff += 4;
			}
			if (pr->n < IKE_MAX_TRANSFORMS)
				pr->t[pr->n++] = t;
			toff += tlen;
		}
		if (toff != off + plen)
			return ike_fail(e, N_INVALID_SYNTAX, "proposal length mismatch");
		off += plen;
		if (b[off - plen] == 0 && off != len)
			return ike_fail(e, N_INVALID_SYNTAX, "bytes after the last proposal");
	}
	if (*n == 0)
		return ike_fail(e, N_INVALID_SYNTAX, "empty SA payload");
	return 0;
}

int
ike_notify_parse(const struct ike_pl *p, struct ike_notify_pl *n, struct ike_err *e)
{
	if (p->len < 4)
		return ike_fail(e, N_INVALID_SYNTAX, "short notify");
	n->proto = p->body[0];
	n->spi_size = p->body[1];
	n->type = ike_get16(p->body + 2);
	if (n->spi_size > 8 || 4u + n->spi_size > p->len)
		return ike_fail(e, N_INVALID_SYNTAX, "bad notify SPI size");
	n->spi = ike_getn(p->body + 4, n->spi_size);
	n->data = p->body + 4 + n->spi_size;
	n->data_len = p->len - 4 - n->spi_size;
	return 0;
}

const struct ike_pl *
ike_find_notify(const struct ike_msg *m, uint16_t type, struct ike_notify_pl *n)
{
	struct ike_err e;

	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], n, &e) == 0 &&
		    n->type == type)
			return &m->pl[i];
	return NULL;
}

int
ike_ts_parse(const struct ike_pl *p, struct ike_ts *out, unsigned max, unsigned *n,
	     struct ike_err *e)
{
	const uint8_t *b = p->body;
	unsigned count;
	size_t off = 4;

	if (p->len < 4)
		return ike_fail(e, N_INVALID_SYNTAX, "short TS payload");
	count = b[0];
	if (count == 0 || count > max)
		return ike_fail(e, N_INVALID_SYNTAX, "bad number of traffic selectors");
	for (unsigned i = 0; i < count; i++) {
		struct ike_ts *t = &out[i];
		unsigned alen;
		uint16_t slen;

		if (p->len - off < 8)
			return ike_fail(e, N_INVALID_SYNTAX, "truncated traffic selector");
		t->type = b[off];
		t->proto = b[off + 1];
		slen = ike_get16(b + off + 2);
		alen = t->type == TS_IPV4_ADDR_RANGE ? 4 : t->type == TS_IPV6_ADDR_RANGE ? 16 : 0;
		if (alen == 0)
			return ike_fail(e, N_TS_UNACCEPTABLE, "unknown traffic selector type");
		if (slen != 8 + 2 * alen || slen > p->len - off)
			return ike_fail(e, N_INVALID_SYNTAX, "bad traffic selector length");
		t->port_lo = ike_get16(b + off + 4);
		t->port_hi = ike_get16(b + off + 6);
		memset(t->lo, 0, 16);
		memset(t->hi, 0, 16);
		memcpy(t->lo, b + off + 8, alen);
		memcpy(t->hi, b + off + 8 + alen, alen);
		off += slen;
	}
	if (off != p->len)
		return ike_fail(e, N_INVALID_SYNTAX, "TS payload length mismatch");
	*n = count;
	return 0;
}

int
ike_delete_parse(const struct ike_pl *p, struct ike_delete_pl *d, struct ike_err *e)
{
	if (p->len < 4)
		return ike_fail(e, N_INVALID_SYNTAX, "short delete");
	d->proto = p->body[0];
	d->spi_size = p->body[1];
	d->n = ike_get16(p->body + 2);
	d->spis = p->body + 4;
	if ((d->proto == PROTO_IKE && d->spi_size != 0) ||
	    (d->proto != PROTO_IKE && d->spi_size != 4) ||
	    (size_t)d->n * d->spi_size != p->len - 4u)
		return ike_fail(e, N_INVALID_SYNTAX, "bad delete payload");
	return 0;
}

int
ike_ke_parse(const struct ike_pl *p, uint16_t *group, const uint8_t **data, size_t *len,
	     struct ike_err *e)
{
	if (p->len < 5)
		return ike_fail(e, N_INVALID_SYNTAX, "short KE payload");
	*group = ike_get16(p->body);
	*data = p->body + 4;
	*len = p->len - 4u;
	return 0;
}

int
ike_typed_parse(const struct ike_pl *p, uint8_t *type, const uint8_t **data, size_t *len,
		struct ike_err *e)
{
	if (p->len < 5)
		return ike_fail(e, N_INVALID_SYNTAX, "short ID/AUTH payload");
	*type = p->body[0];
	*data = p->body + 4;
	*len = p->len - 4u;
	return 0;
}

/* ---- encoder ---- */

void
ike_buf_init(struct ike_buf *b, uint8_t *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->np_off = 16;
	b->overflow = false;
}

void
ike_put(struct ike_buf *b, const void *d, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (d)
		memcpy(b->p + b->len, d, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

void
ike_put8(struct ike_buf *b, uint8_t v)
{
	ike_put(b, &v, 1);
}

void
ike_put16(struct ike_buf *b, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v & 255 };
	ike_put(b, x, 2);
}

void
ike_put32(struct ike_buf *b, uint32_t v)
{
	ike_put16(b, v >> 16);
	ike_put16(b, v & 0xffff);
}

void
ike_put64(struct ike_buf *b, uint64_t v)
{
	ike_put32(b, v >> 32);
	ike_put32(b, (uint32_t)v);
}

void
ike_hdr_put(struct ike_buf *b, const struct ike_hdr *h)
{
	b->len = 0;
	b->np_off = 16;
	ike_put64(b, h->spi_i);
	ike_put64(b, h->spi_r);
	ike_put8(b, PL_NONE);
	ike_put8(b, 0x20);
	ike_put8(b, h->exchange);
	ike_put8(b, h->flags);
	ike_put32(b, h->msg_id);
	ike_put32(b, 0);
}

size_t
ike_pl_begin(struct ike_buf *b, uint8_t type)
{
	size_t off = b->len;

	if (!b->overflow && b->np_off < b->cap)
		b->p[b->np_off] = type;
	b->np_off = off;
	ike_put8(b, PL_NONE);
	ike_put8(b, 0);
	ike_put16(b, 0);
	return off;
}

void
ike_pl_end(struct ike_buf *b, size_t off)
{
	size_t n = b->len - off;

	if (b->overflow || n > 0xffff) {
		b->overflow = true;
		return;
	}
	b->p[off + 2] = n >> 8;
	b->p[off + 3] = n & 255;
}

size_t
ike_msg_finish(struct ike_buf *b)
{
	if (b->overflow || b->len < IKE_HDR_LEN)
		return 0;
	b->p[24] = b->len >> 24;
	b->p[25] = b->len >> 16;
	b->p[26] = b->len >> 8;
	b->p[27] = b->len;
	return b->len;
}

void
ike_put_sa(struct ike_buf *b, const struct ike_proposal *p, unsigned n)
{
	size_t off = ike_pl_begin(b, PL_SA);

	for (unsigned i = 0; i < n; i++) {
		size_t po = b->len;
		ike_put8(b, i + 1 == n ? 0 : 2);
		ike_put8(b, 0);
		ike_put16(b, 0);
		ike_put8(b, p[i].num);
		ike_put8(b, p[i].proto);
		ike_put8(b, p[i].spi_size);
		ike_put8(b, p[i].n);
		if (p[i].spi_size == 8)
			ike_put64(b, p[i].spi);
		else if (p[i].spi_size == 4)
			ike_put32(b, (uint32_t)p[i].spi);
		for (unsigned k = 0; k < p[i].n; k++) {
			const struct ike_transform *t = &p[i].t[k];
			ike_put8(b, k + 1 == p[i].n ? 0 : 3);
			ike_put8(b, 0);
			ike_put16(b, t->key_len ? 12 : 8);
			ike_put8(b, t->type);
			ike_put8(b, 0);
			ike_put16(b, t->id);
			if (t->key_len) {
				ike_put16(b, 0x8000 | ATTR_KEY_LENGTH);
				ike_put16(b, t->key_len);
			}
		}
		if (!b->overflow) {
			b->p[po + 2] = (b->len - po) >> 8;
			b->p[po + 3] = (b->len - po) & 255;
		}
	}
	ike_pl_end(b, off);
}

void
ike_put_notify(struct ike_buf *b, uint8_t proto, uint16_t type, const uint8_t *spi,
	       uint8_t spi_size, const void *data, size_t len)
{
	size_t off = ike_pl_begin(b, PL_NOTIFY);

	ike_put8(b, proto);
	ike_put8(b, spi_size);
	ike_put16(b, type);
	ike_put(b, spi, spi_size);
	if (len)
		ike_put(b, data, len);
	ike_pl_end(b, off);
}

void
ike_put_ts(struct ike_buf *b, uint8_t type, const struct ike_ts *ts, unsigned n)
{
	size_t off = ike_pl_begin(b, type);

	ike_put8(b, n);
	ike_put(b, NULL, 3);
	for (unsigned i = 0; i < n; i++) {
		unsigned alen = ts[i].type == TS_IPV4_ADDR_RANGE ? 4 : 16;
		ike_put8(b, ts[i].type);
		ike_put8(b, ts[i].proto);
		ike_put16(b, 8 + 2 * alen);
		ike_put16(b, ts[i].port_lo);
		ike_put16(b, ts[i].port_hi);
		ike_put(b, ts[i].lo, alen);
		ike_put(b, ts[i].hi, alen);
	}
	ike_pl_end(b, off);
}

const char *
ike_exchange_name(uint8_t x)
{
	switch (x) {
	case IKE_SA_INIT: return "IKE_SA_INIT";
	case IKE_AUTH: return "IKE_AUTH";
	case CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case INFORMATIONAL: return "INFORMATIONAL";
	default: return "unknown";
	}
}

const char *
ike_notify_name(uint16_t n)
{
	switch (n) {
	case N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case N_INVALID_IKE_SPI: return "INVALID_IKE_SPI";
	case N_INVALID_MAJOR_VERSION: return "INVALID_MAJOR_VERSION";
	case N_INVALID_SYNTAX: return "INVALID_SYNTAX";
	case N_INVALID_MESSAGE_ID: return "INVALID_MESSAGE_ID";
	case N_INVALID_SPI: return "INVALID_SPI";
	case N_NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case N_INVALID_KE_PAYLOAD: return "INVALID_KE_PAYLOAD";
	case N_AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case N_SINGLE_PAIR_REQUIRED: return "SINGLE_PAIR_REQUIRED";
	case N_NO_ADDITIONAL_SAS: return "NO_ADDITIONAL_SAS";
	case N_TS_UNACCEPTABLE: return "TS_UNACCEPTABLE";
	case N_INVALID_SELECTORS: return "INVALID_SELECTORS";
	case N_TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case N_CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	case N_UNACCEPTABLE_ADDRESSES: return "UNACCEPTABLE_ADDRESSES";
	case N_UNEXPECTED_NAT_DETECTED: return "UNEXPECTED_NAT_DETECTED";
	case N_COOKIE: return "COOKIE";
	default: return "notify";
	}
}
