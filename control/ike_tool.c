/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgw-ike: espgw's IKEv2 engine on plain UDP sockets (ports 500 and
 * 4500 of one local address), for interoperability tests and debugging.
 * Events go to stdout as JSON lines, one per IKE_SA or CHILD_SA change,
 * with the CHILD_SA keys so that a test can compare them with the peer's.
 *
 *   espgw-ike --local ADDR [--remote ADDR] --psk SECRET
 *             [--local-id ID] [--remote-id ID] [--ike PROPOSAL]... [--esp PROPOSAL]...
 *             [--local-ts PREFIX] [--remote-ts PREFIX] [--transport]
 *             [--initiate] [--terminate-after S] [--dpd S] [--seconds S]
 *             [--frag SIZE (RFC 7383 fragment size, 0 = off; default 1280)]
 *             [--ike-version 1|2] [--aggressive] [--rekey S] [--child-rekey S] [--count N]
 *   remote access, client: [--xauth-user NAME --xauth-password PW] (IKEv1)
 *                          [--eap-user NAME --eap-password PW] (IKEv2) [--vip]
 *                  server: [--xauth-server | --eap-server] [--user NAME:PW]...
 *                          [--pool FIRST-LAST]
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/log.h"
#include "control/ike/ike.h"

static int sock[2];		/* 500, 4500 */
static struct ip_addr local_addr;
static volatile sig_atomic_t stop;
static unsigned long count, n_up;	/* --count: setups wanted, CHILD_SAs up */
static uint64_t last_up_ms;		/* when the last of them came up */

static socklen_t
to_sa(const struct ike_ep *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->addr.family == AF_INET) {
		struct sockaddr_in *s = (void *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(ep->port);
		memcpy(&s->sin_addr, ep->addr.a, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (void *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(ep->port);
	memcpy(&s6->sin6_addr, ep->addr.a, 16);
	return sizeof(*s6);
}

static void
from_sa(const struct sockaddr_storage *ss, struct ike_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;
		ep->addr.family = AF_INET;
		memcpy(ep->addr.a, &s->sin_addr, 4);
		ep->port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		ep->addr.family = AF_INET6;
		memcpy(ep->addr.a, &s6->sin6_addr, 16);
		ep->port = ntohs(s6->sin6_port);
	}
}

static void
tool_send(void *ctx, const struct ike_ep *local, const struct ike_ep *remote,
	  const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sa(remote, &ss);
	uint8_t out[IKE_MAX_MSG + 4] = { 0 };
	bool natt = local->port == IKE_NATT_PORT;

	(void)ctx;
	if (len > IKE_MAX_MSG)
		return;
	/* RFC 3948 2.2: IKE on 4500 carries a 4-byte non-ESP marker; a NAT
	 * keepalive (2.3) does not */
	if (len == 1 && buf[0] == 0xff)
		natt = false;
	memcpy(out + (natt ? 4 : 0), buf, len);
	if (sendto(sock[natt], out, len + (natt ? 4 : 0), 0, (void *)&ss, sl) < 0)
		log_warn("sendto: %s", strerror(errno));
}

static void
hexs(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

static void
ts_str(const struct ike_ts *t, char *out, size_t n)
{
	char lo[64], hi[64];
	int fam = t->type == TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;

	inet_ntop(fam, t->lo, lo, sizeof(lo));
	inet_ntop(fam, t->hi, hi, sizeof(hi));
	snprintf(out, n, "%s-%s", lo, hi);
}

static void
child_event(const char *ev, const struct ike_child_info *c)
{
	char ki[80], ko[80], ai[140] = "", ao[140] = "", tl[140], tr[140];

	hexs(c->key_in, c->key_len, ki);
	hexs(c->key_out, c->key_len, ko);
	if (c->auth_len) {
		hexs(c->auth_in, c->auth_len, ai);
		hexs(c->auth_out, c->auth_len, ao);
	}
	ts_str(&c->local_ts, tl, sizeof(tl));
	ts_str(&c->remote_ts, tr, sizeof(tr));
	printf("{\"event\":\"%s\",\"conn\":\"%s\",\"spi_in\":\"%08x\",\"spi_out\":\"%08x\","
	       "\"encr\":%u,\"encr_bits\":%u,\"integ\":%u,\"esn\":%s,\"encap\":%s,"
	       "\"key_in\":\"%s\",\"key_out\":\"%s\",\"auth_in\":\"%s\",\"auth_out\":\"%s\","
	       "\"local_ts\":\"%s\",\"remote_ts\":\"%s\"}\n",
	       ev, c->conn, c->spi_in, c->spi_out, c->esp.encr, c->esp.encr_bits, c->esp.integ,
	       c->esp.esn ? "true" : "false", c->encap ? "true" : "false", ki, ko, ai, ao, tl, tr);
	fflush(stdout);
}

static int
tool_child_up(void *ctx, const struct ike_child_info *c, uint32_t sa_ids[2])
{
	(void)ctx;
	(void)sa_ids;
	n_up++;		/* a setup is done when its CHILD_SA is (IKEv1: quick mode) */
	last_up_ms = ike_now_ms();
	if (count)
		return 0;
	child_event("child_up", c);
	return 0;
}

static void
tool_child_down(void *ctx, const struct ike_child_info *c)
{
	(void)ctx;
	child_event("child_down", c);
}

static void
tool_child_move(void *ctx, const struct ike_child_info *c)
{
	char l[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN];

	(void)ctx;
	printf("{\"event\":\"child_move\",\"conn\":\"%s\",\"spi_in\":\"%08x\","
	       "\"spi_out\":\"%08x\",\"local\":\"%s\",\"remote\":\"%s\",\"encap\":%s,"
	       "\"local_port\":%u,\"remote_port\":%u}\n", c->conn, c->spi_in, c->spi_out,
	       ip_addr_fmt(&c->local.addr, l, sizeof(l)), ip_addr_fmt(&c->remote.addr, r, sizeof(r)),
	       c->encap ? "true" : "false", c->local.port, c->remote.port);
	fflush(stdout);
}

static void
tool_ike_up(void *ctx, const char *conn, uint64_t i, uint64_t r)
{
	(void)ctx;
	if (count)
		return;
	printf("{\"event\":\"ike_up\",\"conn\":\"%s\",\"spi_i\":\"%016lx\",\"spi_r\":\"%016lx\"}\n",
	       conn, (unsigned long)i, (unsigned long)r);
	fflush(stdout);
}

static void
tool_ike_down(void *ctx, const char *conn, uint64_t i, uint64_t r, const char *why)
{
	(void)ctx;
	printf("{\"event\":\"ike_down\",\"conn\":\"%s\",\"spi_i\":\"%016lx\",\"spi_r\":\"%016lx\","
	       "\"why\":\"%s\"}\n", conn, (unsigned long)i, (unsigned long)r, why);
	fflush(stdout);
}

static int
open_sock(uint16_t port)
{
	struct ike_ep ep = { local_addr, port };
	struct sockaddr_storage ss;
	socklen_t sl = to_sa(&ep, &ss);
	int s = socket(local_addr.family, SOCK_DGRAM, 0), one = 1;

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (void *)&ss, sl) < 0) {
		log_err("bind port %u: %s", port, strerror(errno));
		exit(1);
	}
	return s;
}

static void
on_sig(int s)
{
	(void)s;
	stop = 1;
}

/* a string option into a fixed field: -1 when it does not fit */
static int
str_set(char *dst, size_t cap, const char *v)
{
	return snprintf(dst, cap, "%s", v) >= (int)cap ? -1 : 0;
}

/* one more proposal in a comma-separated list */
static int
list_add(char *list, size_t cap, const char *v)
{
	size_t n = strlen(list);

	return snprintf(list + n, cap - n, "%s%s", n ? "," : "", v) >= (int)(cap - n) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "remote", required_argument, NULL, 'r' },
		{ "psk", required_argument, NULL, 'k' },
		{ "local-id", required_argument, NULL, 'L' },
		{ "remote-id", required_argument, NULL, 'R' },
		{ "ike", required_argument, NULL, 'i' },
		{ "esp", required_argument, NULL, 'e' },
		{ "local-ts", required_argument, NULL, 't' },
		{ "remote-ts", required_argument, NULL, 'T' },
		{ "transport", no_argument, NULL, 'x' },
		{ "initiate", no_argument, NULL, 'I' },
		{ "terminate-after", required_argument, NULL, 'q' },
		{ "dpd", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "count", required_argument, NULL, 'n' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "ca", required_argument, NULL, 'A' },
		{ "frag", required_argument, NULL, 'F' },
		{ "ike-version", required_argument, NULL, 'V' },
		{ "version", no_argument, NULL, 0x100 },
		{ "aggressive", no_argument, NULL, 'a' },
		{ "rekey", required_argument, NULL, 'z' },
		{ "child-rekey", required_argument, NULL, 'Z' },
		{ "xauth-user", required_argument, NULL, 'u' },
		{ "xauth-password", required_argument, NULL, 'p' },
		{ "vip", no_argument, NULL, 'P' },
		{ "xauth-server", no_argument, NULL, 'S' },
		{ "eap-user", required_argument, NULL, 'E' },
		{ "eap-password", required_argument, NULL, 'W' },
		{ "eap-server", no_argument, NULL, 'X' },
		{ "user", required_argument, NULL, 'U' },
		{ "pool", required_argument, NULL, 'o' },
		{ "move-to", required_argument, NULL, 'm' },
		{ "move-after", required_argument, NULL, 'M' },
		{ "no-mobike", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct ike_ops ops = {
		.send = tool_send, .child_up = tool_child_up, .child_down = tool_child_down,
		.ike_up = tool_ike_up, .ike_down = tool_ike_down, .child_move = tool_child_move,
	};
	struct conn_desc c;
	struct user_desc users[16];
	struct pool_desc pool = { .name = "tool" };
	unsigned n_users = 0;
	char *colon;
	struct ike_conn *conn;
	struct ike_engine *e;
	bool initiate = false;
	double seconds = 60, term_after = 0, move_after = 0;
	struct ip_addr move_to = { 0 };
	uint64_t start, next = 0;
	unsigned long started = 0;
	char err[256];
	int opt;

	/* the configuration's connection type, as espgw's file would give it */
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "tool");
	c.fragment_size = 1280;
	ip_prefix_parse("0.0.0.0/0", &c.local_ts);
	ip_prefix_parse("0.0.0.0/0", &c.remote_ts);
	espgw_log_level = LOG_LVL_WARN;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'l': rc = ip_addr_parse(optarg, &c.local); break;
		case 'r': rc = ip_addr_parse(optarg, &c.remote); break;
		case 'k': rc = str_set(c.psk, sizeof(c.psk), optarg); break;
		case 'L': rc = str_set(c.local_id, sizeof(c.local_id), optarg); break;
		case 'R': rc = str_set(c.remote_id, sizeof(c.remote_id), optarg); break;
		case 'i': rc = list_add(c.proposals, sizeof(c.proposals), optarg); break;
		case 'e': rc = list_add(c.esp_proposals, sizeof(c.esp_proposals), optarg); break;
		case 't': rc = ip_prefix_parse(optarg, &c.local_ts); break;
		case 'T': rc = ip_prefix_parse(optarg, &c.remote_ts); break;
		case 'x': c.transport = true; break;
		case 'I': initiate = true; break;
		case 'q': term_after = atof(optarg); break;
		case 'd': c.dpd_delay = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'v': espgw_log_level = LOG_LVL_DEBUG; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'C': rc = str_set(c.cert, sizeof(c.cert), optarg); break;
		case 'K': rc = str_set(c.key, sizeof(c.key), optarg); break;
		case 'A': rc = str_set(c.ca, sizeof(c.ca), optarg); break;
		case 'F': c.fragment_size = (uint32_t)atoi(optarg); break;
		case 0x100: printf("espgw-ike %s\n", ESPGW_VERSION); return 0;
		case 'V': c.version = (uint32_t)atoi(optarg); rc = c.version > 2 ? -1 : 0; break;
		case 'a': c.aggressive = true; break;
		case 'z': c.rekey_time = (uint32_t)atoi(optarg); break;
		case 'Z': c.child_rekey_time = (uint32_t)atoi(optarg); break;
		case 'u': c.xauth = CONN_XAUTH_CLIENT;
			  rc = str_set(c.xauth_user, sizeof(c.xauth_user), optarg); break;
		case 'p': rc = str_set(c.xauth_password, sizeof(c.xauth_password), optarg); break;
		case 'P': c.vip = true; break;
		case 'S': c.xauth = CONN_XAUTH_SERVER; break;
		case 'E': rc = str_set(c.eap_user, sizeof(c.eap_user), optarg); break;
		case 'W': rc = str_set(c.eap_password, sizeof(c.eap_password), optarg); break;
		case 'X': c.eap = true; break;
		case 'm': rc = ip_addr_parse(optarg, &move_to); break;
		case 'M': move_after = atof(optarg); break;
		case 'N': c.mobike_off = true; break;
		case 'U':
			colon = strchr(optarg, ':');
			rc = colon == NULL || n_users == 16 ? -1 : 0;
			if (rc == 0) {
				memset(&users[n_users], 0, sizeof(users[0]));
				*colon = '\0';
				rc = str_set(users[n_users].name, sizeof(users[0].name), optarg) |
				     str_set(users[n_users].password, sizeof(users[0].password),
					     colon + 1);
				n_users++;
			}
			break;
		case 'o':
			colon = strchr(optarg, '-');
			rc = colon == NULL ? -1 : 0;
			if (rc == 0) {
				*colon = '\0';
				rc = ip_addr_parse(optarg, &pool.first) | ip_addr_parse(colon + 1,
										      &pool.last);
				strcpy(c.pools[0], pool.name);
			}
			break;
		default:
			fprintf(stderr, "usage: see control/ike_tool.c\n");
			return 2;
		}
		if (rc < 0) {
			fprintf(stderr, "espgw-ike: bad value for %s: %s\n", argv[optind - 1],
				optarg ? optarg : "");
			return 2;
		}
	}
	if (!c.proposals[0])
		list_add(c.proposals, sizeof(c.proposals), "aes128gcm16-prfsha256-x25519");
	if (!c.esp_proposals[0])
		list_add(c.esp_proposals, sizeof(c.esp_proposals), "aes128gcm16");
	local_addr = c.local;
	conn = ike_conn_new(&c, err, sizeof(err));
	e = conn ? ike_engine_new(&ops, NULL) : NULL;
	if (conn == NULL || e == NULL || ike_conn_add(e, conn, err, sizeof(err)) < 0) {
		fprintf(stderr, "espgw-ike: %s\n", conn && !e ? "out of memory" : err);
		return 2;
	}
	sock[0] = open_sock(IKE_PORT);
	sock[1] = open_sock(IKE_NATT_PORT);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	/* a benchmark peer: many IKE_SAs from one address are expected */
	ike_set_limits(e, ~0u, ~0u);
	if (ike_set_remote_access(e, users, n_users, &pool, pool.first.family ? 1 : 0) < 0) {
		fprintf(stderr, "espgw-ike: out of memory\n");
		return 2;
	}
	explicit_bzero(users, sizeof(users));
	start = ike_now_ms();
	if (initiate && !count && ike_initiate(e, c.name, start, err, sizeof(err)) < 0) {
		fprintf(stderr, "espgw-ike: %s\n", err);
		return 1;
	}
	while (!stop && ike_now_ms() - start < seconds * 1000) {
		/* --count: N IKE_SAs, at most 32 in the making at once */
		for (; initiate && count && started < count && started - n_up < 32; started++)
			if (ike_initiate(e, c.name, ike_now_ms(), err, sizeof(err)) < 0)
				return 1;
		if (count && n_up >= count)
			break;
		/* setups that failed (the peer lost a quick mode, say) never
		 * come: stop 10 s after the last one that did */
		if (count && last_up_ms && ike_now_ms() - last_up_ms > 10000)
			break;
		struct pollfd p[2] = { { sock[0], POLLIN, 0 }, { sock[1], POLLIN, 0 } };
		uint64_t t = ike_now_ms();
		if (t >= next)
			next = t + ike_timer(e, t);
		if (move_to.family && move_after > 0 && t - start >= move_after * 1000) {
			/* MOBIKE: our address changes; the IKE SA follows */
			close(sock[0]);
			close(sock[1]);
			local_addr = move_to;
			sock[0] = open_sock(IKE_PORT);
			sock[1] = open_sock(IKE_NATT_PORT);
			printf("{\"event\":\"moved\",\"ike_sas\":%d}\n", ike_move(e, c.name, &move_to, t));
			fflush(stdout);
			move_after = 0;
		}
		if (term_after > 0 && t - start >= term_after * 1000) {
			ike_terminate(e, c.name, IKE_END_ADMIN, t);
			term_after = 0;
		}
		if (poll(p, 2, (int)(next - t < 100 ? next - t : 100)) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			uint8_t buf[IKE_MAX_MSG];
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);
			struct ike_ep from, to = { local_addr, i ? IKE_NATT_PORT : IKE_PORT };
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = recvfrom(sock[i], buf, sizeof(buf), 0, (void *)&ss, &sl);
			if (n <= 0)
				continue;
			from_sa(&ss, &from);
			if (i == 1) {
				/* 4500: IKE behind the marker; ESP and keepalives are not ours */
				if (n < 4 + IKE_HDR_LEN || memcmp(buf, "\0\0\0\0", 4) != 0)
					continue;
				ike_input(e, &to, &from, buf + 4, (size_t)n - 4, ike_now_ms());
			} else {
				ike_input(e, &to, &from, buf, (size_t)n, ike_now_ms());
			}
		}
	}
	{
		struct ike_stats st;
		ike_get_stats(e, &st);
		double secs = (ike_now_ms() - start) / 1000.0;
		if (count) {
			/* the rate up to the last setup done */
			double upto = last_up_ms > start ? (last_up_ms - start) / 1000.0 : secs;
			printf("{\"event\":\"setups\",\"count\":%lu,\"seconds\":%.3f,"
			       "\"setups_per_s\":%.1f}\n", n_up, upto, n_up / upto);
		}
		printf("{\"event\":\"stats\",\"rx\":%lu,\"tx\":%lu,\"rx_dropped\":%lu,"
		       "\"retransmits\":%lu,\"ike_up\":%lu,\"child_up\":%lu,\"auth_failed\":%lu,"
		       "\"frags_tx\":%lu,\"frags_rx\":%lu,\"mobike_moves\":%lu}\n",
		       st.rx, st.tx, st.rx_dropped, st.retransmits, st.ike_up, st.child_up,
		       st.auth_failed, st.frags_tx, st.frags_rx, st.mobike_moves);
	}
	ike_engine_free(e);	/* with the connection's credentials */
	return 0;
}
