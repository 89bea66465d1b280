/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ike-bench: IKE_SA + CHILD_SA setups between two of espgw's IKEv2 engines
 * in one process over an in-memory link (no sockets, no data plane), on one
 * core. Counts the CPU each side spends per setup (the responder's is what
 * a concentrator pays), setups per second with both sides on the core, and
 * heap per IKE_SA with every tunnel held.
 *
 *   ike-bench [--count N] [--window W] [--ike PROPOSAL] [--esp PROPOSAL] [--certs DIR]
 *
 * --certs DIR: certificate authentication instead of the PSK, with
 * DIR/{ca.crt,a.crt,a.key,b.crt,b.key} (initiator a, responder b).
 *
 * One CSV line on stdout (espgw-bench's columns):
 *   ike-setup,PROPOSAL,-,N,-,-,N,SECONDS,SETUPS_PER_S/1e6,0,0,resp_us=..;init_us=..;...
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "common/log.h"
#include "control/ike/ike.h"

struct msg {
	struct msg *next;
	int to;
	struct ike_ep from, dst;
	size_t len;
	uint8_t b[];
};

static struct msg *head, *tail;
static struct ike_engine *eng[2];
static unsigned long ups[2], child_ups[2];
static uint64_t cyc[2];

static void
send_cb(void *ctx, const struct ike_ep *l, const struct ike_ep *r, const uint8_t *b, size_t n)
{
	struct msg *m = malloc(sizeof(*m) + n);

	m->next = NULL;
	m->to = !(int)(intptr_t)ctx;
	m->from = *l;
	m->dst = *r;
	m->len = n;
	memcpy(m->b, b, n);
	if (tail)
		tail->next = m;
	else
		head = m;
	tail = m;
}

static int
child_up(void *ctx, const struct ike_child_info *c, uint32_t sa_ids[2])
{
	(void)c;
	(void)sa_ids;
	child_ups[(int)(intptr_t)ctx]++;
	return 0;
}

/* an IKE_SA up: which one does not matter here */
static void
ike_up(void *ctx, const char *conn, uint64_t i, uint64_t r)
{
	(void)conn, (void)i, (void)r;
	ups[(int)(intptr_t)ctx]++;
}

static double
tsc_hz(void)
{
	struct timespec a, b;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec) < 2e8);
	t1 = __rdtsc();
	return (t1 - t0) / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "ike", required_argument, NULL, 'i' },
		{ "esp", required_argument, NULL, 'e' },
		{ "certs", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct ike_ops ops = { .send = send_cb, .child_up = child_up, .ike_up = ike_up };
	const char *ike = "aes128gcm16-prfsha256-x25519", *esp = "aes128gcm16", *certs = NULL;
	char label[160];
	unsigned long n = 10000, window = 64, started = 0;
	struct mallinfo2 m0, m1;
	double hz, secs;
	struct timespec t0, t1;
	char err[200];
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'w': window = strtoul(optarg, NULL, 10); break;
		case 'i': ike = optarg; break;
		case 'e': esp = optarg; break;
		case 'c': certs = optarg; break;
		default:
			fprintf(stderr, "usage: ike-bench [--count N] [--window W] [--ike P] [--esp P]\n");
			return 2;
		}
	}
	if (n == 0 || window == 0)
		return 2;
	espgw_log_level = LOG_LVL_ERR;
	hz = tsc_hz();
	for (int i = 0; i < 2; i++) {
		struct conn_desc c;
		memset(&c, 0, sizeof(c));
		snprintf(c.name, sizeof(c.name), "bench");
		ip_addr_parse(i ? "198.18.0.2" : "198.18.0.1", &c.local);
		if (i == 0)
			ip_addr_parse("198.18.0.2", &c.remote);
		if (certs) {
			/* the identity is the certificate's subject */
			snprintf(c.cert, sizeof(c.cert), "%s/%s.crt", certs, i ? "b" : "a");
			snprintf(c.key, sizeof(c.key), "%s/%s.key", certs, i ? "b" : "a");
			snprintf(c.ca, sizeof(c.ca), "%s/ca.crt", certs);
		} else {
			strcpy(c.psk, "ike-bench-pre-shared-key");
		}
		/* the bench measures setups: a lost datagram waits long */
		c.retransmit_ms = 5000;
		ip_prefix_parse(i ? "198.18.2.0/24" : "198.18.1.0/24", &c.local_ts);
		ip_prefix_parse(i ? "198.18.1.0/24" : "198.18.2.0/24", &c.remote_ts);
		snprintf(c.proposals, sizeof(c.proposals), "%s", ike);
		snprintf(c.esp_proposals, sizeof(c.esp_proposals), "%s", esp);
		eng[i] = ike_engine_new(&ops, (void *)(intptr_t)i);
		if (eng[i] == NULL ||
		    ike_conn_add(eng[i], ike_conn_new(&c, err, sizeof(err)), err, sizeof(err)) < 0) {
			fprintf(stderr, "ike-bench: %s\n", err);
			return 2;
		}
	}
	/* one initiator address, many IKE_SAs: no per-source limits here */
	ike_set_limits(eng[1], ~0u, ~0u);
	m0 = mallinfo2();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ups[0] < n) {
		uint64_t now = ike_now_ms();
		while (started < n && started - ups[0] < window) {
			uint64_t c0 = __rdtsc();
			if (ike_initiate(eng[0], "bench", now, err, sizeof(err)) < 0)
				return 1;
			cyc[0] += __rdtsc() - c0;
			started++;
		}
		if (head == NULL) {
			fprintf(stderr, "ike-bench: stalled at %lu of %lu\n", ups[0], n);
			return 1;
		}
		while (head) {
			struct msg *m = head;
			uint64_t c0;
			head = m->next;
			if (head == NULL)
				tail = NULL;
			c0 = __rdtsc();
			ike_input(eng[m->to], &m->dst, &m->from, m->b, m->len, now);
			cyc[m->to] += __rdtsc() - c0;
			free(m);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	m1 = mallinfo2();
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	{
		struct ike_stats st;
		ike_get_stats(eng[1], &st);
		snprintf(label, sizeof(label), "%s%s", ike, certs ? "+certs" : "+psk");
		printf("ike-setup,%s,-,%lu,-,-,%lu,%.3f,%.6f,0,0,resp_us=%.1f,init_us=%.1f,"
		       "resp_setups_per_s=%.0f,setups_per_s=%.0f,held=%u,child_sas=%lu,"
		       "heap_bytes_per_tunnel=%.0f\n",
		       label, n, ups[1], secs, ups[1] / secs / 1e6, cyc[1] / hz / n * 1e6,
		       cyc[0] / hz / n * 1e6, n / (cyc[1] / hz), n / secs, st.ike_sas,
		       child_ups[1], (double)(m1.uordblks - m0.uordblks) / 2 / n);
	}
	/* both engines hold every tunnel: half the heap growth is the responder's */
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	return ups[1] == n && child_ups[1] == n ? 0 : 1;
}
