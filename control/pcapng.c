/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcapng blocks, host byte order (the section header's byte-order magic
 * tells readers which). Every block: type, total length, body padded to 32
 * bits, options ending with opt_endofopt, total length again.
 */
#include <string.h>

#include "control/pcapng.h"

static void
u16(struct sbuf *b, uint16_t v)
{
	mgmt_put(b, &v, 2);
}

static void
u32(struct sbuf *b, uint32_t v)
{
	mgmt_put(b, &v, 4);
}

static void
pad(struct sbuf *b, size_t n)
{
	static const uint8_t z[4];

	mgmt_put(b, z, (4 - n % 4) % 4);
}

static void
opt(struct sbuf *b, uint16_t code, const void *v, uint16_t len)
{
	u16(b, code);
	u16(b, len);
	mgmt_put(b, v, len);
	pad(b, len);
}

static size_t
opt_len(size_t len)
{
	return 4 + (len + 3) / 4 * 4;
}

void
pcapng_shb(struct sbuf *b, const char *appl)
{
	uint32_t total = 28 + (uint32_t)opt_len(strlen(appl)) + 4;
	uint64_t section = UINT64_MAX;	/* length unknown */

	u32(b, 0x0A0D0D0A);
	u32(b, total);
	u32(b, 0x1A2B3C4D);
	u16(b, 1);
	u16(b, 0);
	mgmt_put(b, &section, 8);
	opt(b, 4, appl, (uint16_t)strlen(appl));	/* shb_userappl */
	u32(b, 0);				/* opt_endofopt */
	u32(b, total);
}

void
pcapng_idb(struct sbuf *b, uint16_t linktype, uint32_t snaplen, const char *name)
{
	uint8_t tsresol = 9;			/* 10^-9 s */
	uint32_t total = 20 + (uint32_t)opt_len(strlen(name)) + (uint32_t)opt_len(1) + 4;

	u32(b, 1);
	u32(b, total);
	u16(b, linktype);
	u16(b, 0);
	u32(b, snaplen);
	opt(b, 2, name, (uint16_t)strlen(name));	/* if_name */
	opt(b, 9, &tsresol, 1);				/* if_tsresol */
	u32(b, 0);
	u32(b, total);
}

void
pcapng_epb(struct sbuf *b, uint32_t ifid, uint64_t ts_ns, const void *data, uint32_t caplen,
	   uint32_t origlen, enum pcapng_dir dir, const char *comment)
{
	size_t clen = comment ? strlen(comment) : 0;
	uint32_t flags = dir;			/* bits 0-1: 01 inbound, 10 outbound */
	uint32_t total = 32 + (caplen + 3) / 4 * 4 + (uint32_t)opt_len(4) +
			 (clen ? (uint32_t)opt_len(clen) : 0) + 4;

	u32(b, 6);
	u32(b, total);
	u32(b, ifid);
	u32(b, (uint32_t)(ts_ns >> 32));
	u32(b, (uint32_t)ts_ns);
	u32(b, caplen);
	u32(b, origlen);
	mgmt_put(b, data, caplen);
	pad(b, caplen);
	opt(b, 2, &flags, 4);			/* epb_flags */
	if (clen)
		opt(b, 1, comment, (uint16_t)clen);	/* opt_comment */
	u32(b, 0);
	u32(b, total);
}
