/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every reason the data plane drops a packet, in one list (as VPP does):
 * the enum, the names the CLI shows and the per-worker counters all come
 * from here, so a new reason cannot be counted without also being shown.
 */
#ifndef ESPGW_DROP_H
#define ESPGW_DROP_H

#define ESPGW_DROP_REASONS(X) \
	X(L2_MALFORMED,   "l2-malformed",   "frame too short or unknown ethertype") \
	X(IP_MALFORMED,   "ip-malformed",   "bad IP version, header length or total length") \
	X(IP_CHECKSUM,    "ip-checksum",    "bad IPv4 header checksum") \
	X(IP_FRAGMENT,    "ip-fragment",    "IP fragment where a whole packet is needed") \
	X(TTL_EXPIRED,    "ttl-expired",    "TTL / hop limit reached zero") \
	X(NOT_FOR_US,     "local-unhandled","addressed to us but no service for it") \
	X(NO_ROUTE,       "no-route",       "no route to the destination") \
	X(NEIGH_MISS,     "neigh-miss",     "next hop unresolved after 1 s, or too many packets waiting for it") \
	X(SPD_DISCARD,    "spd-discard",    "outbound policy says DISCARD") \
	X(SPD_NO_MATCH,   "spd-no-match",   "no outbound policy matched (RFC 4301 default discard)") \
	X(SPD_TRAP,       "spd-trap",       "trap policy: no tunnel yet, IKE was asked to set it up") \
	X(SA_DOWN,        "sa-down",        "policy points at an SA that is not installed") \
	X(SA_EXPIRED,     "sa-expired",     "SA reached a hard lifetime") \
	X(SEQ_OVERFLOW,   "seq-overflow",   "outbound sequence number space exhausted") \
	X(MTU_EXCEEDED,   "mtu-exceeded",   "too big after encapsulation (ICMP sent)") \
	X(FRAG_FAILED,    "frag-failed",    "fragmentation before encryption failed") \
	X(NO_SA,          "esp-no-sa",      "inbound ESP with an unknown SPI") \
	X(ESP_TRUNCATED,  "esp-truncated",  "ESP packet shorter than header + IV + ICV or misaligned") \
	X(ESP_REPLAY,     "esp-replay",     "sequence number replayed or left of the window") \
	X(ESP_ICV,        "esp-icv",        "integrity check (ICV) failed") \
	X(ESP_TRAILER,    "esp-trailer",    "bad padding, pad length or next header after decryption") \
	X(INNER_POLICY,   "inner-policy",   "decrypted packet outside the SA's selectors (RFC 4301 5.2)") \
	X(CRYPTO_ERROR,   "crypto-error",   "crypto device refused or failed the operation") \
	X(PUNT_FULL,      "punt-full",      "punt ring to the control thread full") \
	X(TX_FULL,        "tx-full",        "port TX queue full") \
	X(ENCAP_FAILED,   "encap-failed",   "no head/tail room or library refused the packet")

enum espgw_drop {
#define X(id, name, help) ESPGW_DROP_##id,
	ESPGW_DROP_REASONS(X)
#undef X
	ESPGW_DROP_MAX
};

extern const char *const espgw_drop_name[ESPGW_DROP_MAX];
extern const char *const espgw_drop_help[ESPGW_DROP_MAX];

#endif
