/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys for Wireshark (`espgwctl keys esp|ike`): the ESP SA table
 * (Preferences > Protocols > ESP > ESP SAs, the file esp_sa) and the IKEv2
 * decryption table (ikev2_decryption_table), one quoted CSV line per SA.
 * Only with mgmt_key_export: yes (otherwise the keys are gone once the
 * crypto session has them) and only for root; every export is logged.
 */
#define LOG_SUBSYS LOG_SS_MGMT
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/ike_ctl.h"
#include "control/keyexport.h"
#include "control/ike/ike.h"
#include "control/ike/msg.h"

static void
hex(struct sbuf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mgmt_printf(b, "%02x", p[i]);
}

static int
allowed(const struct mgmt_caller *who, char *err, size_t el)
{
	if (!ctl.cfg || !ctl.cfg->mgmt.key_export) {
		snprintf(err, el, "keys: not kept (mgmt_key_export: no); set mgmt_key_export: yes "
			 "and reload: SAs made from then on can be exported");
		return -1;
	}
	if (who->uid != 0) {
		snprintf(err, el, "keys: root only");
		return -1;
	}
	return 0;
}

/* Wireshark 4.0's names: "AES-GCM with 16 octet ICV [RFC4106]" ... */
static const char *
esp_enc_name(enum esp_alg a)
{
	switch (a) {
	case ESP_ALG_AES_GCM_128:
	case ESP_ALG_AES_GCM_256:
		return "AES-GCM with 16 octet ICV [RFC4106]";
	case ESP_ALG_AES_CBC_128_SHA256:
	case ESP_ALG_AES_CBC_256_SHA256:
		return "AES-CBC [RFC3602]";
	default:
		return NULL;	/* ChaCha20-Poly1305: not in Wireshark 4.0's ESP */
	}
}

int
ctl_keys_esp(const struct mgmt_caller *who, struct sbuf *b, char *err, size_t el)
{
	unsigned n = 0;

	if (allowed(who, err, el) < 0)
		return -1;
	mgmt_printf(b, "# espgw ESP SAs for Wireshark's esp_sa file "
		    "(~/.config/wireshark/esp_sa; -o esp.enable_encryption_decode:TRUE)\n");
	for (uint32_t id = 0; id < ctl.max_sas; id++) {
		const struct ctl_sa *s = &ctl.sa[id];
		const struct sa_desc *d = &s->desc;
		char l[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN];
		const char *enc = esp_enc_name(d->alg);
		bool out = d->dir == SA_DIR_OUTBOUND;
		if (s->dp == NULL || s->deleting)
			continue;
		if (s->xkey == NULL || enc == NULL) {
			mgmt_printf(b, "# %s: %s\n", d->name, s->xkey == NULL ?
				    "made before mgmt_key_export was on: no keys kept" :
				    "Wireshark 4.0 cannot decrypt this algorithm");
			continue;
		}
		ip_addr_fmt(out ? &d->local : &d->remote, l, sizeof(l));
		ip_addr_fmt(out ? &d->remote : &d->local, r, sizeof(r));
		mgmt_printf(b, "\"IPv%d\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x", d->local.family ==
			    AF_INET6 ? 6 : 4, l, r, d->spi, enc);
		hex(b, s->xkey, s->xenc_len);
		mgmt_printf(b, "\",\"%s\",\"", s->xauth_len ? "HMAC-SHA-256-128 [RFC4868]" : "NULL");
		if (s->xauth_len) {
			mgmt_printf(b, "0x");
			hex(b, s->xkey + s->xenc_len, s->xauth_len);
		}
		mgmt_printf(b, "\"\n");
		n++;
	}
	log_warn("keys: uid %u pid %d exported the keys of %u ESP SAs", (unsigned)who->uid,
		 (int)who->pid, n);
	return 0;
}

struct ike_ctx {
	struct sbuf *b;
	unsigned n;
};

static void
ike_line(void *ctx, const struct ike_sa_keys_view *v)
{
	struct ike_ctx *x = ctx;
	char enc[64];
	const char *integ = v->a.integ == 0 ? "NONE [RFC4306]" :
			    v->a.integ == AUTH_HMAC_SHA2_256_128 ? "HMAC_SHA2_256_128 [RFC4868]" :
			    v->a.integ == AUTH_HMAC_SHA2_384_192 ? "HMAC_SHA2_384_192 [RFC4868]" :
			    v->a.integ == AUTH_HMAC_SHA2_512_256 ? "HMAC_SHA2_512_256 [RFC4868]" :
			    NULL;

	if (v->a.encr == ENCR_AES_CBC)
		snprintf(enc, sizeof(enc), "AES-CBC-%u [RFC3602]", v->a.encr_bits);
	else if (v->a.encr == ENCR_AES_GCM_16)
		snprintf(enc, sizeof(enc), "AES-GCM-%u with 16 octet ICV [RFC5282]", v->a.encr_bits);
	else
		enc[0] = '\0';
	if (!enc[0] || integ == NULL) {
		mgmt_printf(x->b, "# %s %016lx_%016lx: Wireshark 4.0 cannot decrypt its algorithms\n",
			    v->conn, (unsigned long)v->spi_i, (unsigned long)v->spi_r);
		return;
	}
	mgmt_printf(x->b, "%016lx,%016lx,", (unsigned long)v->spi_i, (unsigned long)v->spi_r);
	hex(x->b, v->sk_ei, v->ekey_len);
	mgmt_printf(x->b, ",");
	hex(x->b, v->sk_er, v->ekey_len);
	mgmt_printf(x->b, ",\"%s\",", enc);
	hex(x->b, v->sk_ai, v->akey_len);
	mgmt_printf(x->b, ",");
	hex(x->b, v->sk_ar, v->akey_len);
	mgmt_printf(x->b, ",\"%s\"\n", integ);
	x->n++;
}

int
ctl_keys_ike(const struct mgmt_caller *who, struct sbuf *b, char *err, size_t el)
{
	struct ike_ctx x = { b, 0 };

	if (allowed(who, err, el) < 0)
		return -1;
	mgmt_printf(b, "# espgw IKEv2 SAs for Wireshark's ikev2_decryption_table file "
		    "(~/.config/wireshark/ikev2_decryption_table)\n");
	if (ctl_ike_engine())
		ike_foreach_keys(ctl_ike_engine(), ike_line, &x);
	log_warn("keys: uid %u pid %d exported the keys of %u IKE SAs", (unsigned)who->uid,
		 (int)who->pid, x.n);
	return 0;
}
