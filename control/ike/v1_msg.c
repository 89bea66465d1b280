/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISAKMP messages (RFC 2408 3, IPsec DOI RFC 2407 4): a bounded decoder of
 * the header, the payload chain, SA payloads with their proposals,
 * transforms and attributes, identities, notifies and deletes; and the
 * encoders espgw's IKEv1 sends. Every length is checked before it is used.
 */
#include <string.h>

#include "control/ike/v1.h"

int
v1_hdr_parse(const uint8_t *b, size_t len, struct ike_hdr *h, struct ike_err *e)
{
	if (ike_hdr_read(b, len, h, 1, e) < 0)
		return -1;
	if (h->flags & ~(V1_FLAG_E | V1_FLAG_C | 0x04))
		return ike_fail(e, V1N_INVALID_FLAGS, "unknown flags");
	return 0;
}

static bool
known(uint8_t t)
{
	return (t >= V1_SA && t <= V1_ATTR && t != V1_P && t != V1_T) || t == V1_NATD ||
	       t == V1_NATOA || t == V1_FRAG;
}

int
v1_chain_parse(uint8_t next, const uint8_t *b, size_t len, bool padded, struct ike_msg *m,
	       struct ike_err *e)
{
	size_t off = 0;

	while (next != 0) {
		uint16_t plen;
		uint8_t type = next;

		if (len - off < 4)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "truncated payload header");
		next = b[off];
		plen = ike_get16(b + off + 2);
		if (plen < 4 || plen > len - off)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "bad payload length");
		if (!known(type))
			return ike_fail(e, V1N_INVALID_PAYLOAD_TYPE, "unknown payload type");
		if (m->n == IKE_MAX_PL)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "too many payloads");
		m->pl[m->n++] = (struct ike_pl){ .type = type, .body = b + off + 4,
						 .len = (uint16_t)(plen - 4) };
		off += plen;
	}
	/* an encrypted body ends in padding (RFC 2409 5.3); a plain one does not */
	if (!padded && off != len)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "bytes after the last payload");
	if (padded && len - off > V1_BLK)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "more padding than a block");
	return 0;
}

/* one attribute: TV (AF set, 2-byte value) or TLV (up to 4 bytes read) */
static int
attr(const uint8_t *b, size_t len, size_t *off, uint16_t *type, uint32_t *val, bool *long_val)
{
	uint16_t t, l;

	if (len - *off < 4)
		return -1;
	t = ike_get16(b + *off);
	*long_val = false;
	if (t & 0x8000) {
		*type = t & 0x7fff;
		*val = ike_get16(b + *off + 2);
		*off += 4;
		return 0;
	}
	l = ike_get16(b + *off + 2);
	if (l > len - *off - 4)
		return -1;
	*type = t;
	*val = 0;
	if (l > 4) {
		*long_val = true;	/* a value we cannot hold: unknown */
	} else {
		for (unsigned i = 0; i < l; i++)
			*val = *val << 8 | b[*off + 4 + i];
	}
	*off += 4 + l;
	return 0;
}

static void
p1_attr(struct v1_xform *x, uint16_t type, uint32_t v, bool *life_kb)
{
	switch (type) {
	case P1_ENCR: x->encr = (uint16_t)v; break;
	case P1_HASH: x->hash = (uint16_t)v; break;
	case P1_AUTH: x->auth = (uint16_t)v; break;
	case P1_GROUP: x->group = (uint16_t)v; break;
	case P1_KEYLEN: x->encr_bits = (uint16_t)v; break;
	case P1_LIFE_TYPE: *life_kb = v == LIFE_KB; x->unknown |= v != LIFE_KB && v != LIFE_SECONDS;
		break;
	case P1_LIFE: if (!*life_kb) x->life_s = v; break;
	default: x->unknown = true;
	}
}

static void
p2_attr(struct v1_xform *x, uint16_t type, uint32_t v, bool *life_kb)
{
	switch (type) {
	case P2_LIFE_TYPE: *life_kb = v == LIFE_KB; x->unknown |= v != LIFE_KB && v != LIFE_SECONDS;
		break;
	case P2_LIFE: if (!*life_kb) x->life_s = v; break;
	case P2_GROUP: x->group = (uint16_t)v; break;
	case P2_ENCAP: x->encap = (uint16_t)v; break;
	case P2_AUTH: x->integ = (uint16_t)v; break;
	case P2_KEYLEN: x->encr_bits = (uint16_t)v; break;
	case P2_ESN: x->esn = v == 1; break;
	default: x->unknown = true;
	}
}

static int
xform_parse(const uint8_t *b, size_t len, bool phase1, struct v1_xform *x)
{
	size_t off = 4;
	bool life_kb = false;

	if (len < 4)
		return -1;
	memset(x, 0, sizeof(*x));
	x->num = b[0];
	x->id = b[1];
	while (off < len) {
		uint16_t t;
		uint32_t v;
		bool lv;
		if (attr(b, len, &off, &t, &v, &lv) < 0)
			return -1;
		if (lv && !(t == (phase1 ? P1_LIFE : P2_LIFE)))
			x->unknown = true;
		else if (lv)
			x->life_s = UINT32_MAX;	/* longer than we keep anything */
		else if (phase1)
			p1_attr(x, t, v, &life_kb);
		else
			p2_attr(x, t, v, &life_kb);
	}
	return 0;
}

static int
prop_parse(const uint8_t *b, size_t len, bool phase1, struct v1_prop *p, struct ike_err *e)
{
	size_t off;
	uint8_t next = V1_T, nt;

	if (len < 4)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "short proposal");
	p->num = b[0];
	p->proto = b[1];
	p->spi_size = b[2];
	nt = b[3];
	p->n = 0;
	p->spi = 0;
	if ((size_t)4 + p->spi_size > len)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "proposal SPI past its end");
	if (p->proto == V1_PROTO_ESP && p->spi_size != 4)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "ESP SPI not 4 bytes");
	if (p->spi_size == 4)
		p->spi = ike_get32(b + 4);
	off = 4 + p->spi_size;
	for (unsigned i = 0; i < nt; i++) {
		uint16_t tl;
		if (next != V1_T || len - off < 4)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "transform count wrong");
		next = b[off];
		tl = ike_get16(b + off + 2);
		if (tl < 8 || tl > len - off)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "bad transform length");
		if (p->n < V1_MAX_XFORMS) {
			if (xform_parse(b + off + 4, tl - 4u, phase1, &p->t[p->n]) < 0)
				return ike_fail(e, V1N_PAYLOAD_MALFORMED, "bad attribute");
			p->n++;
		}
		off += tl;
	}
	if (next != 0 || off != len)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "transforms do not fill the proposal");
	return 0;
}

int
v1_sa_parse(const struct ike_pl *pl, bool phase1, struct v1_sa_pl *out, struct ike_err *e)
{
	const uint8_t *b = pl->body;
	size_t len = pl->len, off = 8;
	uint8_t next = V1_P;

	out->n = 0;
	if (len < 8)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "short SA payload");
	if (ike_get32(b) != V1_DOI_IPSEC)
		return ike_fail(e, V1N_DOI_NOT_SUPPORTED, "DOI not IPsec");
	if (ike_get32(b + 4) != V1_SIT_IDENTITY)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "situation not identity-only");
	while (next == V1_P) {
		uint16_t pl_len;
		if (len - off < 4)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "truncated proposal");
		next = b[off];
		pl_len = ike_get16(b + off + 2);
		if (pl_len < 8 || pl_len > len - off)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "bad proposal length");
		if (out->n == V1_MAX_PROPS)
			return ike_fail(e, V1N_PAYLOAD_MALFORMED, "too many proposals");
		if (prop_parse(b + off + 4, pl_len - 4u, phase1, &out->p[out->n], e) < 0)
			return -1;
		out->n++;
		off += pl_len;
	}
	if (next != 0 || off != len || out->n == 0)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "proposals do not fill the SA payload");
	return 0;
}

void
v1_hdr_put(struct ike_buf *b, uint64_t ci, uint64_t cr, uint8_t x, uint8_t flags, uint32_t id)
{
	struct ike_hdr h = { .spi_i = ci, .spi_r = cr, .exchange = x, .flags = flags,
			     .msg_id = id };

	ike_hdr_put(b, &h);
	if (!b->overflow)
		b->p[17] = V1_VERSION;
}

static void
tv(struct ike_buf *b, uint16_t type, uint16_t v)
{
	ike_put16(b, 0x8000 | type);
	ike_put16(b, v);
}

static void
sa_head(struct ike_buf *b)
{
	ike_put32(b, V1_DOI_IPSEC);
	ike_put32(b, V1_SIT_IDENTITY);
}

/* a sub-payload (proposal or transform): its own chain inside the SA */
static size_t
sub_begin(struct ike_buf *b, uint8_t next)
{
	size_t off = b->len;

	ike_put8(b, next);
	ike_put8(b, 0);
	ike_put16(b, 0);
	return off;
}

void
v1_put_p1_sa(struct ike_buf *b, const struct v1_xform *t, unsigned n)
{
	size_t sa = ike_pl_begin(b, V1_SA), p;

	sa_head(b);
	p = sub_begin(b, 0);
	ike_put8(b, 1);
	ike_put8(b, V1_PROTO_ISAKMP);
	ike_put8(b, 0);
	ike_put8(b, (uint8_t)n);
	for (unsigned i = 0; i < n; i++) {
		size_t x = sub_begin(b, i + 1 < n ? V1_T : 0);
		ike_put8(b, t[i].num);
		ike_put8(b, V1_KEY_IKE);
		ike_put16(b, 0);
		tv(b, P1_ENCR, t[i].encr);
		if (t[i].encr_bits)
			tv(b, P1_KEYLEN, t[i].encr_bits);
		tv(b, P1_HASH, t[i].hash);
		tv(b, P1_AUTH, t[i].auth);
		tv(b, P1_GROUP, t[i].group);
		if (t[i].life_s) {
			tv(b, P1_LIFE_TYPE, LIFE_SECONDS);
			/* TLV with 4 bytes: a lifetime may exceed 65535 s */
			ike_put16(b, P1_LIFE);
			ike_put16(b, 4);
			ike_put32(b, t[i].life_s);
		}
		ike_pl_end(b, x);
	}
	ike_pl_end(b, p);
	ike_pl_end(b, sa);
}

void
v1_put_esp_sa(struct ike_buf *b, const struct v1_prop *p, unsigned n)
{
	size_t sa = ike_pl_begin(b, V1_SA);

	sa_head(b);
	for (unsigned i = 0; i < n; i++) {
		size_t po = sub_begin(b, i + 1 < n ? V1_P : 0);
		ike_put8(b, p[i].num);
		ike_put8(b, V1_PROTO_ESP);
		ike_put8(b, 4);
		ike_put8(b, (uint8_t)p[i].n);
		ike_put32(b, p[i].spi);
		for (unsigned k = 0; k < p[i].n; k++) {
			const struct v1_xform *t = &p[i].t[k];
			size_t x = sub_begin(b, k + 1 < p[i].n ? V1_T : 0);
			ike_put8(b, t->num);
			ike_put8(b, t->id);
			ike_put16(b, 0);
			if (t->life_s) {
				tv(b, P2_LIFE_TYPE, LIFE_SECONDS);
				ike_put16(b, P2_LIFE);
				ike_put16(b, 4);
				ike_put32(b, t->life_s);
			}
			if (t->group)
				tv(b, P2_GROUP, t->group);
			tv(b, P2_ENCAP, t->encap);
			if (t->integ)
				tv(b, P2_AUTH, t->integ);
			if (t->encr_bits)
				tv(b, P2_KEYLEN, t->encr_bits);
			if (t->esn)
				tv(b, P2_ESN, 1);
			ike_pl_end(b, x);
		}
		ike_pl_end(b, po);
	}
	ike_pl_end(b, sa);
}

void
v1_put_notify(struct ike_buf *b, uint8_t proto, uint16_t type, const uint8_t *spi,
	      uint8_t spi_size, const void *data, size_t len)
{
	size_t o = ike_pl_begin(b, V1_N);

	ike_put32(b, V1_DOI_IPSEC);
	ike_put8(b, proto);
	ike_put8(b, spi_size);
	ike_put16(b, type);
	ike_put(b, spi, spi_size);
	ike_put(b, data, len);
	ike_pl_end(b, o);
}

void
v1_put_delete(struct ike_buf *b, uint8_t proto, const uint8_t *spis, uint8_t spi_size,
	      uint16_t n)
{
	size_t o = ike_pl_begin(b, V1_D);

	ike_put32(b, V1_DOI_IPSEC);
	ike_put8(b, proto);
	ike_put8(b, spi_size);
	ike_put16(b, n);
	ike_put(b, spis, (size_t)spi_size * n);
	ike_pl_end(b, o);
}

int
v1_notify_parse(const struct ike_pl *p, struct ike_notify_pl *n, struct ike_err *e)
{
	if (p->len < 8)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "short notify");
	n->proto = p->body[4];
	n->spi_size = p->body[5];
	n->type = ike_get16(p->body + 6);
	if ((size_t)8 + n->spi_size > p->len)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "notify SPI past its end");
	n->spi = 0;
	for (unsigned i = 0; i < n->spi_size && i < 8; i++)
		n->spi = n->spi << 8 | p->body[8 + i];
	n->data = p->body + 8 + n->spi_size;
	n->data_len = (uint16_t)(p->len - 8 - n->spi_size);
	return 0;
}

int
v1_delete_parse(const struct ike_pl *p, struct ike_delete_pl *d, struct ike_err *e)
{
	if (p->len < 8)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "short delete");
	d->proto = p->body[4];
	d->spi_size = p->body[5];
	d->n = ike_get16(p->body + 6);
	d->spis = p->body + 8;
	if ((size_t)d->spi_size * d->n != p->len - 8u)
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "delete SPIs do not fill it");
	if (d->spi_size != (d->proto == V1_PROTO_ISAKMP ? 16 : 4))
		return ike_fail(e, V1N_PAYLOAD_MALFORMED, "delete SPI size");
	return 0;
}

/* mask bits -> prefix length; -1 for a mask that is not contiguous */
static int
mask_len(const uint8_t *m, unsigned n)
{
	int bits = 0;
	bool zero = false;

	for (unsigned i = 0; i < n * 8; i++) {
		bool set = m[i / 8] & (0x80 >> (i % 8));
		if (set && zero)
			return -1;
		if (!set)
			zero = true;
		else
			bits++;
	}
	return bits;
}

/*
 * A phase 2 ID payload body (IPsec DOI 4.6.2: type, protocol, port, data)
 * as a selector: an address, a subnet (address and contiguous mask) or a
 * range; 0 or -1.
 */
int
v1_id_to_ts(const uint8_t *b, size_t len, struct ike_ts *ts)
{
	unsigned al;
	uint8_t type;

	if (len < 4)
		return -1;
	memset(ts, 0, sizeof(*ts));
	type = b[0];
	ts->proto = b[1];
	ts->port_lo = ts->port_hi = ike_get16(b + 2);
	if (ts->port_lo == 0)
		ts->port_hi = 0xffff;
	b += 4;
	len -= 4;
	switch (type) {
	case V1_ID_IPV4: case V1_ID_IPV4_SUBNET: case V1_ID_IPV4_RANGE:
		al = 4;
		ts->type = TS_IPV4_ADDR_RANGE;
		break;
	case V1_ID_IPV6: case V1_ID_IPV6_SUBNET: case V1_ID_IPV6_RANGE:
		al = 16;
		ts->type = TS_IPV6_ADDR_RANGE;
		break;
	default:
		return -1;
	}
	if (len != ((type == V1_ID_IPV4 || type == V1_ID_IPV6) ? al : 2 * al))
		return -1;
	memcpy(ts->lo, b, al);
	if (type == V1_ID_IPV4 || type == V1_ID_IPV6) {
		memcpy(ts->hi, b, al);
	} else if (type == V1_ID_IPV4_RANGE || type == V1_ID_IPV6_RANGE) {
		memcpy(ts->hi, b + al, al);
		if (memcmp(ts->lo, ts->hi, al) > 0)
			return -1;
	} else {
		if (mask_len(b + al, al) < 0)
			return -1;
		for (unsigned i = 0; i < al; i++) {
			ts->lo[i] = b[i] & b[al + i];
			ts->hi[i] = (uint8_t)(b[i] | ~b[al + i]);
		}
	}
	return 0;
}

/* a selector as a phase 2 ID: subnet when it is a prefix, else a range */
void
v1_put_id_ts(struct ike_buf *b, const struct ike_ts *ts)
{
	struct ip_prefix p;
	bool v6 = ts->type == TS_IPV6_ADDR_RANGE;
	unsigned al = v6 ? 16 : 4;
	size_t o = ike_pl_begin(b, V1_ID);
	uint8_t mask[16] = { 0 };

	if (ike_ts_to_prefix(ts, &p) == 0) {
		ike_put8(b, v6 ? V1_ID_IPV6_SUBNET : V1_ID_IPV4_SUBNET);
		for (unsigned i = 0; i < p.len; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	} else {
		ike_put8(b, v6 ? V1_ID_IPV6_RANGE : V1_ID_IPV4_RANGE);
	}
	ike_put8(b, ts->proto);
	ike_put16(b, ts->port_lo == ts->port_hi ? ts->port_lo : 0);
	ike_put(b, ts->lo, al);
	ike_put(b, ike_ts_to_prefix(ts, &p) == 0 ? mask : ts->hi, al);
	ike_pl_end(b, o);
}

const struct ike_pl *
v1_find_notify(const struct ike_msg *m, uint16_t type)
{
	struct ike_notify_pl n;
	struct ike_err e;

	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == V1_N && v1_notify_parse(&m->pl[i], &n, &e) == 0 &&
		    n.type == type)
			return &m->pl[i];
	return NULL;
}

void
v1_put_pl(struct ike_buf *b, uint8_t type, const void *d, size_t n)
{
	size_t o = ike_pl_begin(b, type);

	ike_put(b, d, n);
	ike_pl_end(b, o);
}

const char *
v1_exchange_name(uint8_t x)
{
	switch (x) {
	case V1_MAIN: return "main mode";
	case V1_AGGRESSIVE: return "aggressive mode";
	case V1_INFO: return "informational";
	case V1_TRANSACTION: return "transaction";
	case V1_QUICK: return "quick mode";
	default: return "unknown exchange";
	}
}

/* the ATTR payload: type, reserved, identifier, then data attributes */
int
v1_cfg_parse(const struct ike_pl *p, struct v1_cfg_pl *c)
{
	const uint8_t *b = p->body;
	size_t off = 4;

	if (p->len < 4 || b[0] < CFG_REQUEST || b[0] > CFG_ACK)
		return -1;
	c->type = b[0];
	c->ident = ike_get16(b + 2);
	c->n = 0;
	while (off < p->len) {
		uint16_t t, l;
		if (p->len - off < 4 || c->n == V1_MAX_CATTR)
			return -1;
		t = ike_get16(b + off);
		l = ike_get16(b + off + 2);
		if (t & 0x8000) {
			c->a[c->n++] = (struct v1_cattr){ t & 0x7fff, 2, b + off + 2 };
			off += 4;
			continue;
		}
		if (p->len - off - 4 < l)
			return -1;
		c->a[c->n++] = (struct v1_cattr){ t, l, b + off + 4 };
		off += 4u + l;
	}
	return 0;
}

const struct v1_cattr *
v1_cfg_attr(const struct v1_cfg_pl *c, uint16_t type)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->a[i].type == type)
			return &c->a[i];
	return NULL;
}

void
v1_put_tlv(struct ike_buf *b, uint16_t type, const void *v, size_t n)
{
	ike_put16(b, type);
	ike_put16(b, (uint16_t)n);
	ike_put(b, v, n);
}

void
v1_put_tv(struct ike_buf *b, uint16_t type, uint16_t v)
{
	ike_put16(b, 0x8000 | type);
	ike_put16(b, v);
}
