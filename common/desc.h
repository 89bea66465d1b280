/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Descriptors of what the gateway is told to do: ports, routes, policies
 * and SAs. The config loader produces them, the management socket edits
 * them, the control thread turns them into data-plane objects. Plain data,
 * no DPDK types, so the loader and its tests need no EAL.
 */
#ifndef ESPGW_DESC_H
#define ESPGW_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"

#define NAME_MAX_LEN 32
#define MAX_PORT_ADDRS 8
#define MAX_KEY_LEN 64
#define MAX_WORKERS 16
#define REPLAY_WIN_MAX 4096

enum sa_dir { SA_DIR_INBOUND, SA_DIR_OUTBOUND };
enum sa_mode { SA_MODE_TUNNEL, SA_MODE_TRANSPORT };

/*
 * ESP transforms. Key lengths are the keying material as RFCs 4106/7634
 * define it: for AEAD ciphers the key followed by the 4-byte salt.
 */
#define ESPGW_ALGS(X) \
	X(AES_GCM_128,  "aes-gcm-128",         20, 0,  16) \
	X(AES_GCM_256,  "aes-gcm-256",         36, 0,  16) \
	X(AES_CBC_128_SHA256, "aes-cbc-128-sha256", 16, 32, 16) \
	X(AES_CBC_256_SHA256, "aes-cbc-256-sha256", 32, 32, 16) \
	X(CHACHA20_POLY1305, "chacha20-poly1305", 36, 0, 16)

enum esp_alg {
#define X(id, name, klen, alen, icv) ESP_ALG_##id,
	ESPGW_ALGS(X)
#undef X
	ESP_ALG_MAX
};

struct esp_alg_info {
	const char *name;
	uint8_t enc_key_len;	/* incl. salt for AEAD */
	uint8_t auth_key_len;	/* 0 for AEAD */
	uint8_t icv_len;
};
extern const struct esp_alg_info esp_alg_info[ESP_ALG_MAX];
int esp_alg_by_name(const char *name);

enum lookup_type { SAD_SPI, SAD_SPI_DST, SAD_SPI_DST_SRC };

struct lifetime {
	uint64_t soft_bytes, hard_bytes;	/* 0 = unlimited */
	uint64_t soft_packets, hard_packets;
	uint64_t soft_seconds, hard_seconds;
};

struct sa_desc {
	char name[NAME_MAX_LEN];
	uint32_t spi;
	enum sa_dir dir;
	enum sa_mode mode;
	enum esp_alg alg;
	uint8_t enc_key[MAX_KEY_LEN];
	uint8_t auth_key[MAX_KEY_LEN];
	uint8_t enc_key_len, auth_key_len;	/* as given */
	struct ip_addr local, remote;	/* tunnel endpoints (outer src/dst for outbound) */
	struct selector sel;		/* inbound: checked on the inner packet */
	enum lookup_type lookup;	/* inbound SAD key */
	uint32_t replay_window;		/* 0 disables anti-replay */
	bool esn;
	/* RFC 3948 UDP encapsulation (tunnel mode): outbound ESP goes in
	 * UDP encap_sport -> encap_dport; 0 = plain ESP */
	uint16_t encap_sport, encap_dport;
	uint8_t inner_family;		/* AF_INET/AF_INET6 carried inside */
	struct lifetime life;
	uint64_t test_packets_used;	/* test hook (-Dtest_hooks=true) only */
};

/*
 * SPD priorities, higher wins (RFC 4301 4.4.1: the SPD is ordered).
 * Static policies (configuration, CLI) are at most POLICY_PRIO_STATIC_MAX;
 * IKE's trap policies sit just above them, and its CHILD_SA policies above
 * those, newer CHILD_SAs higher (POLICY_PRIO_CHILD + a counter).
 */
#define POLICY_PRIO_STATIC_MAX 999998u
#define POLICY_PRIO_TRAP 999999u
#define POLICY_PRIO_CHILD 1000000u

/* TRAP: made by IKE for `start: trap`; a match asks IKE for the tunnel */
enum spd_action { SPD_PROTECT, SPD_BYPASS, SPD_DISCARD, SPD_TRAP };

struct policy_desc {
	char name[NAME_MAX_LEN];
	uint32_t priority;		/* higher wins */
	struct selector sel;
	enum spd_action action;
	char sa[NAME_MAX_LEN];		/* PROTECT: the outbound SA's name */
	bool dynamic;			/* made by IKE: a reload keeps it */
};

struct port_desc {
	char name[NAME_MAX_LEN];
	char devargs[256];
	uint16_t mtu;
	unsigned n_addrs;
	struct ip_prefix addrs[MAX_PORT_ADDRS];
};

struct route_desc {
	struct ip_prefix prefix;
	struct ip_addr via;		/* family 0: directly connected */
	char port[NAME_MAX_LEN];
};

/* A static neighbour (`neighbours:`): its MAC is never learned over */
struct neigh_desc {
	struct ip_addr addr;
	uint8_t mac[6];
	bool have_mac;
	char port[NAME_MAX_LEN];
};

/*
 * An IKEv2 connection, the one type for it: the engine builds what it
 * runs from this (ike_conn_new in control/ike/conn.c parses the proposals,
 * strings in strongSwan notation, the identities and the selectors).
 */
enum conn_start { CONN_START_NONE, CONN_START_START, CONN_START_TRAP };
enum conn_xauth { CONN_XAUTH_NONE, CONN_XAUTH_SERVER, CONN_XAUTH_CLIENT };
/* strongSwan's `unique`: what a new IKE SA with the same peer identity does */
enum conn_unique { CONN_UNIQUE_NO, CONN_UNIQUE_NEVER, CONN_UNIQUE_REPLACE, CONN_UNIQUE_KEEP };
/* what a peer found dead (DPD, or no answer) leaves behind */
enum conn_dpd_action { CONN_DPD_CLEAR, CONN_DPD_RESTART, CONN_DPD_TRAP };
/* EAP in IKE_AUTH as a server: from `users`, or through RADIUS */
enum conn_eap { CONN_EAP_NONE, CONN_EAP_MSCHAPV2, CONN_EAP_RADIUS };

/* RFC 6023: an IKE SA without a CHILD_SA from IKE_AUTH */
enum conn_childless { CONN_CHILDLESS_ALLOW, CONN_CHILDLESS_FORCE, CONN_CHILDLESS_NEVER };
#define USER_NAME_LEN 128
#define USER_PASS_LEN 129

struct conn_desc {
	char name[NAME_MAX_LEN];
	struct ip_addr local, remote;	/* remote family 0: any peer */
	char local_id[128], remote_id[128];	/* "" = the address / any */
	char psk[129];			/* "" = certificates only */
	char cert[256], key[256], ca[256];	/* PEM files: ours, our key, trusted CAs */
	char proposals[256], esp_proposals[256];	/* comma separated */
	struct ip_prefix local_ts, remote_ts;
	/* further CHILD_SAs on the same IKE_SA (as initiator we ask for them
	 * after IKE_AUTH; as responder we accept them) */
	struct ip_prefix more_local[3], more_remote[3];
	unsigned n_more;
	bool transport;
	uint32_t dpd_delay;		/* seconds, 0 = off */
	uint32_t keepalive;		/* NAT keepalive seconds behind a NAT, 0 = off */
	uint32_t rekey_time, child_rekey_time;	/* seconds, 0 = never */
	uint32_t life_time, child_life_time;	/* hard, seconds; 0 = rekey + 10 % */
	uint32_t retransmit_ms, retransmit_tries;	/* first timeout, doubling */
	uint32_t fragment_size;		/* RFC 7383, largest IP datagram; 0 = off */
	enum conn_start start;
	uint32_t version;		/* IKE version 1 or 2; 0: either (responder) */
	bool aggressive;		/* IKEv1: aggressive mode (offline-crackable PSK hash) */
	/* remote access: the peer proves a user name and password (IKEv1
	 * XAUTH) checked against `users`, or we prove ours */
	enum conn_xauth xauth;
	char xauth_user[USER_NAME_LEN], xauth_password[USER_PASS_LEN];	/* client */
	char pools[2][NAME_MAX_LEN];	/* server: a virtual IP from these (one per family) */
	bool vip;			/* client: ask for a virtual IP (Mode Config) */
	enum conn_unique unique;
	enum conn_dpd_action dpd_action;
	uint32_t max_children;		/* CHILD_SAs at once on an IKE SA (rekeys aside) */
	enum conn_childless childless;
	struct ip_addr redirect_to;	/* responder: new clients go there (RFC 5685) */
	bool redirect_ignore;		/* initiator: a gateway's REDIRECT is not followed */
	bool mobike_off;		/* IKEv2: no MOBIKE (RFC 4555) */
	bool eap_only;			/* server: EAP-only authentication (RFC 5998) */
	enum conn_eap eap;		/* server: the peer proves a user by EAP */
	char eap_user[USER_NAME_LEN], eap_password[USER_PASS_LEN];	/* client */
};

/* The RADIUS server remote access uses (`radius:` in YAML): EAP passed
 * through (RFC 3579) and accounting (RFC 2866). Reached over the host's
 * own network stack (the management network), not the DPDK ports. */
struct radius_desc {
	struct ip_addr server;		/* family 0: none */
	uint32_t port, acct_port;
	char secret[129];
	uint32_t timeout, retries;	/* seconds per try, tries */
	char nas_identifier[64];
	bool accounting;
	uint32_t interim;		/* seconds between interim updates, 0: none */
};

/* A user of remote access (XAUTH; EAP later), `users:` in YAML. */
struct user_desc {
	char name[USER_NAME_LEN];
	char password[USER_PASS_LEN];
};

/* An address pool for virtual IPs, `pools:` in YAML: first..last. */
#define POOL_MAX_DNS 4
#define POOL_MAX_SIZE (1u << 24)
struct pool_desc {
	char name[NAME_MAX_LEN];
	struct ip_addr first, last;
	struct ip_addr dns[POOL_MAX_DNS];
	unsigned n_dns;
};

enum crypto_engine { ENGINE_CPU, ENGINE_LOOKASIDE, ENGINE_NATIVE };

static inline const char *
crypto_engine_name(enum crypto_engine e)
{
	return e == ENGINE_NATIVE ? "native" : e == ENGINE_LOOKASIDE ? "lookaside" : "cpu";
}

struct espgw_config {
	char source[256];		/* file name, or "<built-in>" */
	unsigned workers;
	enum crypto_engine engine;
	char eal_args[512];		/* extra EAL args, space separated */
	char file_prefix[64];
	bool no_huge;
	unsigned mem_mb;
	char mgmt_socket[108];
	struct {
		unsigned max_clients;	/* connections at once; more get ERR */
		unsigned idle_timeout;	/* s without a request: closed */
		unsigned send_timeout;	/* s a reply may wait on a reader */
		char group[64];		/* socket's group: members may show */
		char admin_group[64];	/* members may also change (root always) */
		bool key_export;	/* keep keys for `keys esp|ike` (root only) */
	} mgmt;
	unsigned max_sas;
	unsigned idle_sleep_us;		/* worker back-off ceiling */
	/* IKE anti-DoS (RFC 7296 2.6): cookies above this many half-open
	 * IKE_SAs; at most this many half-open from one address */
	unsigned ike_cookie_threshold, ike_half_open_per_source;
	struct radius_desc radius;
	unsigned n_ports, n_routes, n_policies, n_sas, n_conns, n_users, n_pools, n_neighs;
	struct neigh_desc *neighs;
	struct conn_desc *conns;
	struct user_desc *users;
	struct pool_desc *pools;
	struct port_desc *ports;
	struct route_desc *routes;
	struct policy_desc *policies;
	struct sa_desc *sas;
};

const char *sa_dir_name(enum sa_dir d);
const char *sa_mode_name(enum sa_mode m);
const char *spd_action_name(enum spd_action a);

#endif
