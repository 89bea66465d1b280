/* SPDX-License-Identifier: BSD-3-Clause */
/* The config loader: the built-in file loads; every bad file is refused
 * with "file:line: what is wrong" pointing at the right line. */
#include <stdio.h>
#include <string.h>

#include <sys/socket.h>

#include "tests/unit/unit.h"

#include "common/config.h"

#define PORTS "ports:\n  - { name: a, devargs: net_null0 }\n"
#define SA1(name, dir) "  - { name: " name ", direction: " dir ", spi: 1000, algorithm: aes-gcm-128, " \
	"key: 0x0102030405060708090a0b0c0d0e0f1011121314, local: 1.1.1.1, remote: 1.1.1.2 }\n"

static void
test_default(void)
{
	char err[256];
	struct espgw_config *c = config_load_string(config_default_yaml, "d", err,
						    sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->n_ports, 2);
	CU_ASSERT_EQUAL(c->n_sas, 4);
	CU_ASSERT_EQUAL(c->sas[0].alg, ESP_ALG_AES_GCM_128);
	CU_ASSERT_EQUAL(c->sas[0].spi, 0x1001);
	CU_ASSERT_TRUE(c->sas[0].esn);
	CU_ASSERT_EQUAL(c->sas[1].replay_window, 1024);
	CU_ASSERT_EQUAL(c->sas[1].inner_family, AF_INET);
	CU_ASSERT_EQUAL(c->policies[0].action, SPD_PROTECT);
	config_free(c);
}

#define RA_USERS "users:\n  - { name: alice, password: pw }\n"
#define RA_CONN "connections:\n  - name: rw\n    local: 1.1.1.1\n    psk: x\n" \
	"    version: 1\n    local_ts: 10.0.0.0/8\n    remote_ts: 0.0.0.0/0\n"

/* users, pools and a connection using them: loaded as written */
static void
test_remote_access(void)
{
	char err[256] = "", a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	struct espgw_config *c = config_load_string(
		PORTS RA_USERS "  - { name: bob, password: \"p w\" }\n"
		"pools:\n  - { name: v4, addrs: 10.3.0.0/24, dns: \"198.18.0.53, 198.18.0.54\" }\n"
		"  - { name: v6, addrs: fd00:3::/112 }\n"
		"  - { name: r, addrs: 10.4.0.7-10.4.1.3 }\n"
		RA_CONN "    xauth: server\n    pools: v4, v6\n", "t", err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->n_users, 2);
	CU_ASSERT_STRING_EQUAL(c->users[1].password, "p w");
	CU_ASSERT_EQUAL(c->n_pools, 3);
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&c->pools[0].first, a, sizeof(a)), "10.3.0.1");
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&c->pools[0].last, b, sizeof(b)), "10.3.0.254");
	CU_ASSERT_EQUAL(c->pools[0].n_dns, 2);
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&c->pools[1].first, a, sizeof(a)), "fd00:3::1");
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&c->pools[1].last, b, sizeof(b)), "fd00:3::ffff");
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&c->pools[2].first, a, sizeof(a)), "10.4.0.7");
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&c->pools[2].last, b, sizeof(b)), "10.4.1.3");
	CU_ASSERT_EQUAL(c->conns[0].xauth, CONN_XAUTH_SERVER);
	CU_ASSERT_STRING_EQUAL(c->conns[0].pools[0], "v4");
	CU_ASSERT_STRING_EQUAL(c->conns[0].pools[1], "v6");
	config_free(c);
}

/* the radius section: as written, the rest its defaults; eap: radius and eap_only */
static void
test_radius(void)
{
	char err[256] = "", a[IP_ADDR_STRLEN];
	struct espgw_config *c = config_load_string(
		PORTS "radius: { server: \"fd00::5\", secret: s3, acct_port: 1646, accounting: true }\n"
		"connections:\n  - name: rw\n    local: 1.1.1.1\n"
		"    local_ts: 10.0.0.0/8\n    remote_ts: 0.0.0.0/0\n    eap: radius\n"
		"    eap_only: yes\n", "t", err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&c->radius.server, a, sizeof(a)), "fd00::5");
	CU_ASSERT_STRING_EQUAL(c->radius.secret, "s3");
	CU_ASSERT_EQUAL(c->radius.port, 1812);
	CU_ASSERT_EQUAL(c->radius.acct_port, 1646);
	CU_ASSERT_EQUAL(c->radius.timeout, 3);
	CU_ASSERT_EQUAL(c->radius.retries, 3);
	CU_ASSERT_EQUAL(c->radius.interim, 600);
	CU_ASSERT_TRUE(c->radius.accounting);
	CU_ASSERT_STRING_EQUAL(c->radius.nas_identifier, "espgw");
	CU_ASSERT_EQUAL(c->conns[0].eap, CONN_EAP_RADIUS);
	CU_ASSERT_TRUE(c->conns[0].eap_only);
	config_free(c);
}

static const struct bad {
	const char *yaml;
	const char *want;	/* expected prefix "t:LINE: ..." substring */
} bad[] = {
	{ "workers: [1\n", "t:2:" },
	{ PORTS "ike:\n  cookie_threshold: lots\n", "t:4: cookie_threshold must be" },
	/* 999999 and up are IKE's */
	{ PORTS "policies:\n  - { name: p, action: bypass, priority: 999999 }\n",
	  "t:4: priority must be 0..999998" },
	{ PORTS "ike:\n  half_open_per_source: 0\n", "t:4: half_open_per_source must be" },
	{ PORTS "ike:\n  cookies: 5\n", "t:4: unknown ike key 'cookies'" },
	/* a nested map holds its own group's keys only */
	{ PORTS "sas:\n  - { name: x, spi: 1000, selector: { soft_bytes: 5 } }\n",
	  "t:4: unknown SA key 'soft_bytes'" },
	{ PORTS "connections:\n  - name: c\n    local: 1.1.1.1\n    psk: x\n    version: 3\n"
	  "    local_ts: 10.0.0.0/8\n    remote_ts: 10.1.0.0/16\n", "t:7: version must be 0 or 1..2" },
	{ PORTS "connections:\n  - name: c\n    local: 1.1.1.1\n    psk: x\n    aggressive: maybe\n"
	  "    local_ts: 10.0.0.0/8\n    remote_ts: 10.1.0.0/16\n", "aggressive" },
	{ PORTS "connections:\n  - name: c\n    local: 1.1.1.1\n    psk: x\n"
	  "    fragment_size: 100\n", "t:7: fragment_size must be 576..1500" },
	{ PORTS "connections:\n  - name: c\n    local: 1.1.1.1\n    psk: x\n"
	  "    fragmentation: maybe\n", "t:7: fragmentation must be yes or no" },
	/* remote access */
	{ PORTS RA_USERS "pools:\n  - { name: p, addrs: 10.0.0.0/7 }\n",
	  "t:6: pool p: more than 2^24 addresses" },
	{ PORTS RA_USERS "pools:\n  - { name: p, addrs: 10.0.0.9-10.0.0.1 }\n",
	  "t:6: range '10.0.0.9-10.0.0.1' ends before it begins" },
	{ PORTS RA_USERS "pools:\n  - { name: p, addrs: 10.0.0.1-fd00::1 }\n", "two families" },
	{ PORTS RA_USERS "pools:\n  - { name: p }\n", "t:6: pool p needs addrs" },
	{ PORTS RA_USERS "pools:\n  - { name: p, addrs: 10.0.0.0/24, dns: 1.1.1.1 2.2.2.2 "
	  "3.3.3.3 4.4.4.4 5.5.5.5 }\n", "dns: at most 4 servers" },
	{ PORTS RA_USERS "pools:\n  - { name: p, addrs: 10.0.0.0/24 }\n"
	  "  - { name: p, addrs: 10.1.0.0/24 }\n", "t:7: duplicate pool name 'p'" },
	{ PORTS "users:\n  - { name: a, password: x }\n  - { name: a, password: y }\n",
	  "t:5: duplicate user 'a'" },
	{ PORTS "users:\n  - { name: a }\n", "t:4: a user needs a name and a password" },
	{ PORTS RA_USERS RA_CONN "    xauth: server\n    pools: nope\n",
	  "connection rw: no pool 'nope'" },
	{ PORTS RA_USERS "pools:\n  - { name: a, addrs: 10.0.0.0/24 }\n"
	  "  - { name: b, addrs: 10.1.0.0/24 }\n" RA_CONN "    pools: a, b\n",
	  "two pools of one family" },
	{ PORTS RA_USERS RA_CONN "    pools: a, b, c\n", "pools: at most two" },
	{ PORTS RA_USERS "connections:\n  - name: rw\n    local: 1.1.1.1\n    psk: x\n"
	  "    local_ts: 10.0.0.0/8\n    remote_ts: 0.0.0.0/0\n    xauth: server\n",
	  "xauth is IKEv1's" },
	{ PORTS RA_CONN "    xauth: server\n", "xauth server needs users" },
	{ PORTS RA_USERS RA_CONN "    xauth: client\n    xauth_user: u\n",
	  "xauth client needs xauth_user and xauth_password" },
	{ PORTS RA_USERS RA_CONN "    xauth: server\n    start: trap\n    remote: 1.1.1.2\n",
	  "an xauth server waits for its clients" },
	{ PORTS RA_USERS RA_CONN "    xauth: maybe\n", "xauth must be no, server or client" },
	/* EAL's lcores are espgw's (issue 16: `-l` made EAL print its usage) */
	{ PORTS "eal:\n  args: \"--no-telemetry -l 0-3\"\n", "t:4: args: '-l' sets lcores" },
	{ PORTS "eal:\n  args: --lcores=0@1\n", "t:4: args: '--lcores=0@1' sets lcores" },
	{ PORTS "eal:\n  args: -c 0x3\n", "taskset" },
	/* static neighbours */
	{ PORTS "neighbours:\n  - { address: 10.0.0.9, mac: \"02:00:00:00:00:0g\", port: a }\n",
	  "t:4: '02:00:00:00:00:0g' is not a MAC address" },
	{ PORTS "neighbours:\n  - { address: 10.0.0.9, mac: \"01:00:5e:00:00:01\", port: a }\n",
	  "multicast" },
	{ PORTS "neighbours:\n  - { address: 10.0.0.9, mac: \"02:00:00:00:00:09\", port: b }\n",
	  "t:4: neighbour refers to unknown port 'b'" },
	{ PORTS "neighbours:\n  - { address: 10.0.0.9, port: a }\n",
	  "t:4: a neighbour needs address, mac and port" },
	{ PORTS "neighbours:\n  - { address: 10.0.0.9, mac: \"02:00:00:00:00:09\", port: a }\n"
	  "  - { address: 10.0.0.9, mac: \"02:00:00:00:00:0a\", port: a }\n",
	  "t:5: duplicate neighbour on port 'a'" },
	/* RADIUS */
	{ PORTS "radius: { server: 127.0.0.1 }\n", "radius: a server needs its secret" },
	{ PORTS "radius: { server: 127.0.0.1, secret: s, port: 0 }\n", "t:3: port must be" },
	{ PORTS "connections:\n  - name: rw\n    local: 1.1.1.1\n    psk: x\n"
	  "    local_ts: 10.0.0.0/8\n    remote_ts: 0.0.0.0/0\n    eap: radius\n",
	  "eap: radius needs a radius server" },
	{ PORTS RA_USERS "connections:\n  - name: rw\n    local: 1.1.1.1\n"
	  "    local_ts: 10.0.0.0/8\n    remote_ts: 0.0.0.0/0\n    eap: mschapv2\n"
	  "    eap_only: yes\n", "eap_only needs eap: radius" },
	{ PORTS "connections:\n  - name: rw\n    local: 1.1.1.1\n"
	  "    local_ts: 10.0.0.0/8\n    remote_ts: 0.0.0.0/0\n", "needs a psk, or cert" },
	{ "workers: 0\n" PORTS, "t:1: workers must be" },
	{ "wrkers: 1\n" PORTS, "t:1: unknown top-level key 'wrkers'" },
	{ "workers: 1\nworkers: 2\n" PORTS, "t:2: configuration: duplicate key" },
	{ "workers: 1\n", "at least one port" },
	{ PORTS "routes:\n  - { prefix: 10.0.0.0/33, port: a }\n", "t:4: '10.0.0.0/33' is not a prefix" },
	{ PORTS "routes:\n  - { prefix: 10.0.0.0/8, port: b }\n", "t:4: route refers to unknown port 'b'" },
	{ PORTS "sas:\n  - name: x\n    spi: 100\n    algorithm: aes-gcm-128\n"
	  "    key: 0x0102030405060708090a0b0c0d0e0f1011121314\n"
	  "    local: 1.1.1.1\n    remote: 1.1.1.2\n", "t:4: SA x: spi 100 is reserved" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    algorithm: aes-gcm-128\n"
	  "    key: 0x0102\n    local: 1.1.1.1\n    remote: 1.1.1.2\n",
	  "needs a key of exactly 20 bytes" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    algorithm: des\n", "t:6: unknown algorithm 'des'" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    algorithm: aes-gcm-128\n"
	  "    key: 0xzz\n", "t:7: key is not hex" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    algorithm: aes-gcm-128\n"
	  "    key: 0x0102030405060708090a0b0c0d0e0f1011121314\n    local: 1.1.1.1\n"
	  "    remote: \"::1\"\n", "same address family" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    replay_window: 5000\n", "t:6: replay_window must be 0..4096" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    algorithm: aes-cbc-128-sha256\n"
	  "    key: 0x0102030405060708090a0b0c0d0e0f10\n    local: 1.1.1.1\n"
	  "    remote: 1.1.1.2\n", "needs an auth_key of exactly 32 bytes" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    mode: transport\n    udp_encap: true\n"
	  "    algorithm: aes-gcm-128\n    key: 0x0102030405060708090a0b0c0d0e0f1011121314\n",
	  "SA x: UDP encapsulation needs tunnel mode" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    encap_dport: 0\n", "t:6: encap_dport must be 1..65535" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    encap_sport: 4500\n"
	  "    algorithm: aes-gcm-128\n    key: 0x0102030405060708090a0b0c0d0e0f1011121314\n"
	  "    local: 1.1.1.1\n    remote: 1.1.1.2\n", "UDP encapsulation needs both ports" },
	{ PORTS "policies:\n  - { name: p, src: 10.0.0.0/8, dst: 10.1.0.0/16, action: protect, sa: nope }\n",
	  "t:4: policy p: unknown SA 'nope'" },
	{ PORTS "policies:\n  - { name: p, action: maybe }\n", "t:4: action must be" },
	{ PORTS "policies:\n  - { name: p, src: 10.0.0.0/8, dst: \"::/0\" }\n", "differ in family" },
	{ PORTS "policies:\n  - { name: p, sport: 9-1 }\n", "t:4: port range '9-1' is reversed" },
	{ PORTS "sas:\n  - name: x\n    spi: 1000\n    soft_bytes: 10\n    hard_bytes: 5\n"
	  "    algorithm: aes-gcm-128\n    key: 0x0102030405060708090a0b0c0d0e0f1011121314\n"
	  "    local: 1.1.1.1\n    remote: 1.1.1.2\n", "soft lifetime must be below" },
	{ PORTS "sas:\n" SA1("x", "outbound") SA1("y", "outbound") SA1("x", "outbound"),
	  "t:6: duplicate SA name 'x'" },
	{ PORTS "sas:\n" SA1("a", "inbound") SA1("b", "outbound") SA1("c", "inbound"),
	  "t:6: inbound SPI 0x3e8 already used by SA a" },
	{ PORTS "policies:\n  - { name: p, action: bypass }\n  - { name: q, action: bypass }\n"
	  "  - { name: p, action: discard }\n", "t:6: duplicate policy name 'p'" },
	{ "ports:\n  - { name: a }\n", "t:2: port needs name and devargs" },
	{ "ports: 5\n", "t:1: ports must be a list" },
	{ "- 1\n- 2\n", "t:1: configuration must be a mapping" },
	{ "", "empty configuration" },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		struct espgw_config *c = config_load_string(bad[i].yaml, "t", err,
							    sizeof(err));
		if (c != NULL || strstr(err, bad[i].want) == NULL)
			printf("\ncase %zu: want '%s', got '%s'\n", i, bad[i].want, err);
		CU_ASSERT_PTR_NULL(c);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].want));
		config_free(c);
	}
}

static void
test_words(void)
{
	char err[256];
	char *ok[] = { "name=s1", "spi=0x1234", "direction=in", "algorithm=aes-gcm-256",
		"key=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223",
		"local=fd00::1", "remote=fd00::2", "src=fd00:2::/64", "esn=true" };
	char *badw[] = { "name=s1", "spi" };
	struct sa_desc d;
	struct policy_desc p;
	char *pw[] = { "name=p", "action=bypass", "proto=udp", "dport=500" };

	CU_ASSERT_EQUAL(config_parse_sa_words(9, ok, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.spi, 0x1234);
	CU_ASSERT_EQUAL(d.inner_family, AF_INET6);
	CU_ASSERT_EQUAL(config_parse_sa_words(2, badw, &d, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected key=value"));
	CU_ASSERT_EQUAL(config_parse_policy_words(4, pw, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.sel.proto, 17);
	CU_ASSERT_EQUAL(p.sel.dport_lo, 500);
}

static void
test_prefix(void)
{
	struct ip_prefix p;
	uint8_t a[4] = { 198, 18, 1, 77 }, b[4] = { 198, 18, 2, 1 };

	CU_ASSERT_EQUAL(ip_prefix_parse("198.18.1.9/24", &p), 0);
	CU_ASSERT_TRUE(ip_prefix_contains(&p, AF_INET, a));
	CU_ASSERT_FALSE(ip_prefix_contains(&p, AF_INET, b));
	CU_ASSERT_EQUAL(ip_prefix_parse("198.18.1.9/", &p), -1);
	CU_ASSERT_EQUAL(ip_prefix_parse("fd00::/129", &p), -1);
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "built-in default loads", test_default },
		{ "bad files give file:line errors", test_bad },
		{ "CLI key=value words", test_words },
		{ "prefixes", test_prefix },
		{ "remote access: users, pools, xauth", test_remote_access },
		{ "radius section, eap: radius, eap_only", test_radius },
		{ NULL, NULL },
	};

	return unit_run("config", t);
}
