/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of an IKE connection (`connections:` in YAML) and its checks.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/config/config_int.h"
#include "common/config/keys.h"

#define C_OFF(f) offsetof(struct conn_desc, f)
#define C_TEXT(k, f, what, d)								\
	{ k, K_TEXT, C_OFF(f), .size = sizeof(((struct conn_desc *)0)->f), .def = d,	\
	  .help = what }
#define C_SECONDS(k, f, lo, hi, z, d, what)						\
	{ k, K_UINT, C_OFF(f), .size = 4, .min = lo, .max = hi, .zero_ok = z, .def = d,	\
	  .help = what }

static const struct cfg_word conn_mode_words[] = {
	{ "tunnel", 0 }, { "transport", 1 }, { NULL, 0 },
};
/* RFC 7383: "no" neither offers nor sends fragments, "yes" is the default size */
static const struct cfg_word frag_words[] = {
	{ "yes", 1280 }, { "no", 0 }, { "=true", 1280 }, { "=false", 0 }, { NULL, 0 },
};
static const struct cfg_word yes_no_words[] = {
	{ "yes", 1 }, { "no", 0 }, { "=true", 1 }, { "=false", 0 }, { NULL, 0 },
};
static const struct cfg_word xauth_words[] = {
	{ "no", CONN_XAUTH_NONE }, { "server", CONN_XAUTH_SERVER }, { "client", CONN_XAUTH_CLIENT },
	{ NULL, 0 },
};

/* one or two pool names, comma separated */
static int
set_pools(void *o, const char *v, char *err, size_t el)
{
	struct conn_desc *c = o;
	char buf[2 * NAME_MAX_LEN + 8], *save = NULL, *w;
	int n = 0;

	if (strlen(v) >= sizeof(buf))
		return cfg_fail(err, el, "pools: at most two names");
	strcpy(buf, v);
	memset(c->pools, 0, sizeof(c->pools));
	for (w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (n == 2)
			return cfg_fail(err, el, "pools: at most two (one per family)");
		if (cfg_parse_name(w, c->pools[n++], err, el) < 0)
			return -1;
	}
	return 0;
}

static const struct cfg_word unique_words[] = {
	{ "no", CONN_UNIQUE_NO }, { "never", CONN_UNIQUE_NEVER }, { "replace", CONN_UNIQUE_REPLACE },
	{ "keep", CONN_UNIQUE_KEEP }, { NULL, 0 },
};

static const struct cfg_word dpd_action_words[] = {
	{ "clear", CONN_DPD_CLEAR }, { "restart", CONN_DPD_RESTART }, { "trap", CONN_DPD_TRAP },
	{ NULL, 0 },
};

static const struct cfg_word childless_words[] = {
	{ "allow", CONN_CHILDLESS_ALLOW }, { "force", CONN_CHILDLESS_FORCE },
	{ "never", CONN_CHILDLESS_NEVER }, { NULL, 0 },
};

static const struct cfg_word mobike_words[] = {
	{ "yes", 0 }, { "no", 1 }, { NULL, 0 },
};

static const struct cfg_word eap_words[] = {
	{ "no", CONN_EAP_NONE }, { "mschapv2", CONN_EAP_MSCHAPV2 }, { "radius", CONN_EAP_RADIUS },
	{ NULL, 0 },
};

static const struct cfg_word redirect_words[] = {
	{ "follow", 0 }, { "ignore", 1 }, { NULL, 0 },
};

static const struct cfg_word start_words[] = {
	{ "none", CONN_START_NONE }, { "start", CONN_START_START }, { "trap", CONN_START_TRAP },
	{ NULL, 0 },
};

const struct cfg_key cfg_conn_keys[] = {
	{ "name", K_NAME, C_OFF(name), .def = "required", .help = "unique name" },
	{ "local", K_ADDR, C_OFF(local), .def = "required",
	  .help = "our address (one of a port's addresses)" },
	{ "remote", K_ADDR, C_OFF(remote), .any_ok = true, .def = "any",
	  .help = "the peer's address; `any` accepts any initiator (responder only)" },
	C_TEXT("local_id", local_id, "our IKE identity: an IP address, `fqdn` or `@fqdn`, "
	       "`user@domain`, or a DN `\"C=CH, O=Example, CN=gw\"`", "the local address, or "
	       "the certificate's subject"),
	C_TEXT("remote_id", remote_id, "the peer's identity, as `local_id` (DNs compared "
	       "canonically, in order)", "any"),
	C_TEXT("psk", psk, "the pre-shared key: we authenticate with it when we have no "
	       "certificate, and accept it from the peer", "none"),
	C_TEXT("cert", cert, "our X.509 certificate (PEM; ECDSA P-256/384/521 or RSA): we then "
	       "authenticate with a digital signature (RFC 7427, SHA-2; IKEv1: RSA or ECDSA "
	       "signatures, RFC 2409 5.1 and RFC 4754)", "none"),
	C_TEXT("key", key, "the certificate's private key (PEM)", "none"),
	C_TEXT("ca", ca, "PEM file of the CAs whose certificates we accept from the peer (its "
	       "certificate must chain to one and carry its ID). Either `psk`, or `cert` + "
	       "`key` + `ca`; both may be given", "none"),
	C_TEXT("proposals", proposals, "IKE proposals, comma separated, strongSwan notation: "
	       "`aes128gcm16`, `aes256gcm16`, `aes128`, `aes256`, `chacha20poly1305`; "
	       "`sha256`/`sha384`/`sha512` (integrity, and the PRF unless `prfsha*` is "
	       "given); `modp2048`, `ecp256`, `ecp384`, `ecp521`, `x25519`. IKEv1 takes the "
	       "AES-CBC ones (its phase 1 has no AEAD): `aes128-sha256-modp2048`; for old IKEv1 "
	       "peers only, `3des` and `sha1` when named",
	       "`aes128gcm16-prfsha256-x25519`"),
	C_TEXT("esp_proposals", esp_proposals, "ESP proposals: `aes128gcm16`, `aes256gcm16`, "
	       "`chacha20poly1305`, `aes128-sha256`, `aes256-sha256`, with `esn`/`noesn`; a group "
	       "(`-ecp256`) asks for PFS. IKEv1 has no ChaCha20-Poly1305",
	       "`aes128gcm16`"),
	{ "local_ts", K_PREFIX, C_OFF(local_ts), .def = "required",
	  .help = "our traffic selector as a prefix (the first CHILD_SA)" },
	{ "remote_ts", K_PREFIX, C_OFF(remote_ts), .def = "required",
	  .help = "the peer's traffic selector as a prefix" },
	{ "more_children", K_FN, .type = "list", .def = "none",
	  .help = "up to 3 further CHILD_SAs on the same IKE_SA, a list of "
		  "`{ local_ts: P, remote_ts: P }`: as initiator espgw asks for them right "
		  "after IKE_AUTH; as responder it accepts a CHILD_SA whose selectors fall in "
		  "the first pair or one of these" },
	{ "mode", K_WORD, C_OFF(transport), .size = sizeof(bool), .words = conn_mode_words,
	  .def = "tunnel", .help = "`transport` is refused for now" },
	C_SECONDS("dpd", dpd_delay, 0, 86400, false, "30",
		  "seconds of silence before a liveness check (0 = off)"),
	{ "dpd_action", K_WORD, C_OFF(dpd_action), .size = sizeof(enum conn_dpd_action),
	  .words = dpd_action_words, .def = "clear",
	  .help = "a peer found dead (no answer to a liveness check or a retransmitted "
		  "request): `clear` removes its SAs; `restart` also initiates anew at once, and "
		  "again after an initiation without an answer; "
		  "`trap` installs the connection's trap policy (as `start: trap` does), so "
		  "that the next packet for the tunnel initiates it. `restart` and `trap` need "
		  "`remote`" },
	{ "max_children", K_UINT, C_OFF(max_children), .size = 4, .min = 1, .max = 12,
	  .def = "8", .help = "CHILD_SAs one IKE SA may hold at once (their rekeys aside): a "
			      "peer asking for more gets NO_ADDITIONAL_SAS (IKEv1: its quick "
			      "mode is refused)" },
	{ "childless", K_WORD, C_OFF(childless), .size = sizeof(enum conn_childless),
	  .words = childless_words, .def = "allow",
	  .help = "IKEv2 IKE SAs without a CHILD_SA from IKE_AUTH (RFC 6023): `allow` announces "
		  "support and accepts them as responder; `force` also initiates so (the "
		  "CHILD_SAs then follow in CREATE_CHILD_SA; a peer without support is "
		  "refused); `never` neither" },
	{ "eap", K_WORD, C_OFF(eap), .size = sizeof(enum conn_eap), .words = eap_words,
	  .def = "no",
	  .help = "IKEv2 server: the peer authenticates with EAP (RFC 7296 2.16) instead of an "
		  "AUTH of its own; espgw proves itself with its `psk` or certificate. "
		  "`mschapv2`: EAP-MSCHAPv2 against `users`; `radius`: every EAP packet goes to "
		  "the `radius` server and back (RFC 3579), so any method it runs works, and its "
		  "Access-Accept's MPPE keys are the MSK" },
	{ "eap_only", K_BOOL, C_OFF(eap_only), .def = "false",
	  .help = "IKEv2 server with `eap: radius`: EAP-only authentication (RFC 5998). A "
		  "client that announces EAP_ONLY_AUTHENTICATION gets espgw's ID without an AUTH "
		  "of its own: the EAP method (it must be one that authenticates the server and "
		  "makes keys, such as EAP-TLS; the client checks) and the MSK-keyed AUTH prove "
		  "the gateway, so no `psk` or certificate is needed. Other clients are refused" },
	C_TEXT("eap_user", eap_user, "IKEv2 client: authenticate with EAP-MSCHAPv2 as this "
	       "user (with `eap_password`)", "none"),
	C_TEXT("eap_password", eap_password, "IKEv2 client: the EAP-MSCHAPv2 password",
	       "none"),
	{ "redirect_to", K_ADDR, C_OFF(redirect_to), .def = "none",
	  .help = "responder (RFC 5685): a client that announces REDIRECT_SUPPORTED is sent "
		  "to this gateway in IKE_SA_INIT, before any state (one sent here by another "
		  "gateway, REDIRECTED_FROM, is taken); `espgwctl ike redirect` moves "
		  "established ones" },
	{ "redirect", K_WORD, C_OFF(redirect_ignore), .size = sizeof(bool), .words = redirect_words,
	  .def = "follow", .help = "initiator: `follow` a gateway's REDIRECT (in IKE_SA_INIT, or "
				   "to an established IKE SA: the new one replaces it once up; "
				   "at most 5 in a row), or `ignore` it" },
	{ "mobike", K_WORD, C_OFF(mobike_off), .size = sizeof(bool), .words = mobike_words,
	  .def = "yes",
	  .help = "IKEv2 (RFC 4555): announce MOBIKE. A road warrior that changes its address "
		  "moves its IKE SA and CHILD_SAs with UPDATE_SA_ADDRESSES (the data plane's SAs "
		  "are re-pointed in place) and its NAT is detected anew; espgw as initiator "
		  "moves with `espgwctl ike move`. With MOBIKE, the addresses change only so, "
		  "not by following a NAT" },
	C_SECONDS("keepalive", keepalive, 0, 3600, false, "20",
		  "behind a NAT, send a NAT keepalive (RFC 3948 2.3) this often, in seconds "
		  "(0 = off)"),
	C_SECONDS("rekey_time", rekey_time, 5, 30 * 86400, true, "14400",
		  "seconds between IKE_SA rekeys, less a random 0-10 % (0 = never)"),
	C_SECONDS("child_rekey_time", child_rekey_time, 5, 30 * 86400, true, "3600",
		  "seconds between CHILD_SA rekeys, as `rekey_time`"),
	C_SECONDS("life_time", life_time, 0, 30 * 86400, false, "rekey + 10 %",
		  "hard lifetime of an IKE_SA in seconds: one not replaced by then is deleted; "
		  "must exceed the rekey time"),
	C_SECONDS("child_life_time", child_life_time, 0, 30 * 86400, false, "rekey + 10 %",
		  "hard lifetime of a CHILD_SA, as `life_time`"),
	C_SECONDS("retransmit_ms", retransmit_ms, 100, 60000, false, "1000",
		  "first retransmission timeout in ms, doubling each time"),
	C_SECONDS("retransmit_tries", retransmit_tries, 1, 20, false, "5",
		  "retransmissions before the peer counts as dead"),
	{ "fragmentation", K_WORD, C_OFF(fragment_size), .size = 4, .words = frag_words,
	  .def = "yes", .help = "RFC 7383 IKE fragmentation: `no` neither offers nor sends "
				"fragments" },
	C_SECONDS("fragment_size", fragment_size, 576, 1500, false, "1280",
		  "largest IP datagram of an IKE message: larger encrypted messages go as "
		  "fragments when the peer supports them. espgw does not IP-fragment its IKE "
		  "datagrams and sends none over 1500 bytes, so a peer without RFC 7383 and a "
		  "large certificate chain cannot authenticate with it"),
	{ "start", K_WORD, C_OFF(start), .size = sizeof(enum conn_start), .words = start_words,
	  .def = "none", .help = "`none`: wait for the peer; `start`: initiate when espgw "
				"starts (and when a reload adds or changes it); `trap`: install a "
				"trap policy (`NAME-trap`, priority 999999) for `local_ts` -> "
				"`remote_ts`: the first packet that matches it starts the IKE_SA "
				"(espgw initiates) and is dropped (counted as `spd-trap`); the "
				"CHILD_SA's own policy then takes the traffic, and the trap "
				"catches it again when the tunnel goes" },
	{ "version", K_UINT, C_OFF(version), .size = 4, .min = 1, .max = 2, .zero_ok = true,
	  .def = "2", .help = "IKE version: `2`, `1` (IKEv1, RFC 2409), or `0`: answer either "
			      "(initiating then speaks IKEv2)" },
	{ "aggressive", K_WORD, C_OFF(aggressive), .size = sizeof(bool), .words = yes_no_words,
	  .def = "no", .help = "IKEv1: initiate and accept aggressive mode. Its PSK hash can be "
			       "cracked offline by anyone who sees the exchange: off unless set" },
	{ "xauth", K_WORD, C_OFF(xauth), .size = sizeof(enum conn_xauth), .words = xauth_words,
	  .def = "no", .help = "IKEv1 XAUTH after phase 1 (remote access): `server` asks the "
			       "peer for a user name and password and checks them against "
			       "`users`; `client` answers with `xauth_user`/`xauth_password`. "
			       "The phase 1 method then is XAUTHInitPreShared or XAUTHInitRSA" },
	C_TEXT("xauth_user", xauth_user, "XAUTH client: our user name", "none"),
	C_TEXT("xauth_password", xauth_password, "XAUTH client: our password", "none"),
	{ "pools", K_FN, .fn = set_pools, .type = "names", .def = "none",
	  .help = "server: one or two pools (one per family), comma separated: a client that "
		  "asks (IKEv2 configuration payload in IKE_AUTH; IKEv1 Mode Config, pull) gets "
		  "an address of them, which then is its only traffic selector; the same user "
		  "gets the same address again while it is free" },
	{ "unique", K_WORD, C_OFF(unique), .size = sizeof(enum conn_unique), .words = unique_words,
	  .def = "no", .help = "another IKE SA of this connection with the same peer identity "
			       "(and XAUTH user): `no` allows it, and a peer's INITIAL_CONTACT "
			       "ends the others (RFC 7296 2.4); `never` also ignores "
			       "INITIAL_CONTACT; `replace` deletes the older one; `keep` refuses "
			       "the new one (AUTHENTICATION_FAILED)" },
	{ "vip", K_WORD, C_OFF(vip), .size = sizeof(bool), .words = yes_no_words, .def = "no",
	  .help = "client: ask for a virtual IP of `local_ts`'s family (IKEv2 configuration "
		  "payload, IKEv1 Mode Config) and use it as our traffic selector; give "
		  "`local_ts` as the whole family (`0.0.0.0/0` or `::/0`) for IKEv2, which the "
		  "server narrows to the address" },
	{ .name = NULL },
};

int
config_check_conn(const struct conn_desc *c, char *err, size_t el)
{
	if (c->name[0] == '\0')
		return cfg_fail(err, el, "connection needs a name");
	if (c->local.family == 0)
		return cfg_fail(err, el, "connection %s needs a local address", c->name);
	if (c->remote.family && c->remote.family != c->local.family)
		return cfg_fail(err, el, "connection %s: local and remote differ in family", c->name);
	if ((c->cert[0] != '\0') != (c->key[0] != '\0'))
		return cfg_fail(err, el, "connection %s: cert and key go together", c->name);
	if (c->psk[0] == '\0' && (c->cert[0] == '\0' || c->ca[0] == '\0') && !c->eap_only)
		return cfg_fail(err, el, "connection %s needs a psk, or cert, key and ca (or "
				"eap_only)", c->name);
	if (c->local_ts.addr.family == 0 || c->remote_ts.addr.family == 0)
		return cfg_fail(err, el, "connection %s needs local_ts and remote_ts", c->name);
	if (c->local_ts.addr.family != c->remote_ts.addr.family)
		return cfg_fail(err, el, "connection %s: local_ts and remote_ts differ in family",
			    c->name);
	if ((c->life_time && c->life_time <= c->rekey_time) ||
	    (c->child_life_time && c->child_life_time <= c->child_rekey_time))
		return cfg_fail(err, el, "connection %s: a life time must exceed its rekey time",
			    c->name);
	if (c->dpd_action != CONN_DPD_CLEAR && c->remote.family == 0)
		return cfg_fail(err, el, "connection %s: dpd_action %s needs a remote address",
				c->name, c->dpd_action == CONN_DPD_TRAP ? "trap" : "restart");
	if (c->start != CONN_START_NONE && c->remote.family == 0)
		return cfg_fail(err, el, "connection %s: start %s needs a remote address", c->name,
			    c->start == CONN_START_TRAP ? "trap" : "start");
	return 0;
}
