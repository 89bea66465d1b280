/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's half of a capture: it asks the workers for copies
 * (MSG_CAP_SET), turns each into a pcapng enhanced packet block (port,
 * direction, and a comment: rx, tx, the drop reason, or the SA whose
 * plaintext it is) and queues them to the client as DATA frames, never
 * more than CAP_QUEUE_MAX bytes: past that the copies wait in the
 * workers' ring (and a full ring is counted as missed), so a slow reader
 * costs neither memory nor traffic. It ends at `count` packets, after
 * `seconds`, or when the client goes; the last frame says why, with the
 * counts.
 */
#define LOG_SUBSYS LOG_SS_MGMT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "common/log.h"
#include "control/capture.h"
#include "control/ctl.h"
#include "control/mgmt.h"
#include "control/msgs.h"
#include "control/pcapng.h"
#include "control/sa_mgr.h"

#define CAP_QUEUE_MAX (8u << 20)

static struct {
	struct dp_capture *c;		/* NULL: none running */
	int client;
	bool header_sent, client_gone;
	uint32_t count, snaplen;
	uint64_t written;
	uint64_t start_ns, start_tsc, hz, until_ns;
} cap = { .client = -1 };

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
word_uint(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);

	if (*v == '\0' || *end || x < lo || x > hi)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

int
ctl_capture_parse(int argc, char **argv, struct ctl_capture_req *r, char *err, size_t el)
{
	static const char *const pts[] = { "rx", "tx", "drop", "plain" };

	*r = (struct ctl_capture_req){ .points = CAP_RX | CAP_TX | CAP_DROP, .drop = -1,
				       .count = 1000, .seconds = 10, .snaplen = 1600 };
	for (int i = 0; i < argc; i++) {
		char *k = argv[i], *v = strchr(k, '=');
		int bad = 0;
		*v++ = '\0';
		if (!strcmp(k, "port")) {
			r->port = v;
		} else if (!strcmp(k, "sa")) {
			r->sa = v;
		} else if (!strcmp(k, "point")) {
			r->points = 0;
			for (char *p = v, *save, *t; (t = strtok_r(p, ",", &save)); p = NULL) {
				unsigned b = 0;
				for (unsigned j = 0; j < 4; j++)
					if (!strcmp(t, pts[j]))
						b = 1u << j;
				if (!strcmp(t, "all"))
					b = CAP_RX | CAP_TX | CAP_DROP | CAP_PLAIN;
				bad |= b == 0;
				r->points |= b;
			}
		} else if (!strcmp(k, "drop")) {
			r->drop = -1;
			for (int d = 0; d < ESPGW_DROP_MAX; d++)
				if (!strcmp(v, espgw_drop_name[d]))
					r->drop = d;
			bad = r->drop < 0;
			r->points = CAP_DROP;
		} else if (!strcmp(k, "count")) {
			bad = word_uint(v, 1, 1000000, &r->count);
		} else if (!strcmp(k, "seconds")) {
			bad = word_uint(v, 1, 3600, &r->seconds);
		} else if (!strcmp(k, "snaplen")) {
			bad = word_uint(v, 64, 9216, &r->snaplen);
		} else {
			snprintf(err, el, "capture: no key '%s' (port= sa= point=rx,tx,drop,plain|all "
				 "drop=REASON count= seconds= snaplen=)", k);
			return -1;
		}
		if (bad) {
			snprintf(err, el, "capture: %s=%s: %s", k, v,
				 !strcmp(k, "point") ? "rx, tx, drop, plain or all, comma-separated" :
				 !strcmp(k, "drop") ? "not a drop reason (show drops all lists them)" :
				 !strcmp(k, "count") ? "1..1000000 packets" :
				 !strcmp(k, "seconds") ? "1..3600" : "64..9216 bytes");
			return -1;
		}
	}
	return 0;
}

static void
gone(int fd)
{
	if (cap.c != NULL && fd == cap.client)
		cap.client_gone = true;
}

int
ctl_capture_start(const struct ctl_capture_req *r, int client, char *msg, size_t ml, char *err,
		  size_t el)
{
	struct dp_capture_spec s = { .points = r->points, .port = -1, .drop = r->drop,
				     .snaplen = r->snaplen, .count = r->count };
	struct dp_capture *c;

	if (cap.c != NULL) {
		snprintf(err, el, "capture: one is running already (one at a time)");
		return -1;
	}
	if (client < 0) {
		snprintf(err, el, "capture: only over the management socket");
		return -1;
	}
	if (r->port && (s.port = dp_port_by_name(r->port)) < 0) {
		snprintf(err, el, "capture: no port %s (show ports lists them)", r->port);
		return -1;
	}
	if (r->sa) {
		int id = ctl_find_sa(r->sa);
		if (id < 0 || ctl.sa[id].deleting) {
			snprintf(err, el, "capture: no SA %s (show sas lists them)", r->sa);
			return -1;
		}
		s.sa = ctl.sa[id].dp;
	}
	c = dp_capture_new(&s, err, el);
	if (c == NULL)
		return -1;
	cap = (typeof(cap)){ .c = c, .client = client, .count = r->count, .snaplen = r->snaplen,
			     .start_ns = wall_ns(), .start_tsc = rte_get_tsc_cycles(),
			     .hz = rte_get_tsc_hz() };
	cap.until_ns = cap.start_ns + r->seconds * 1000000000ull;
	mgmt_on_close(gone);
	ctl_post(MSG_CAP_SET, c, NULL);
	snprintf(msg, ml, "capturing up to %u packets for up to %u s (snaplen %u)\n", r->count,
		 r->seconds, r->snaplen);
	return 0;
}

static void
header(struct sbuf *b)
{
	char name[NAME_MAX_LEN + 8], appl[64];

	snprintf(appl, sizeof(appl), "espgw %s", ESPGW_VERSION);
	pcapng_shb(b, appl);
	/* interface 2p: port p's frames; 2p+1: its packets without Ethernet
	 * (drops after classification, SA plaintext) */
	for (unsigned p = 0; p < dp_n_ports(); p++) {
		pcapng_idb(b, PCAPNG_LINK_ETHERNET, cap.snaplen, dp_port_get(p)->name);
		snprintf(name, sizeof(name), "%s-ip", dp_port_get(p)->name);
		pcapng_idb(b, PCAPNG_LINK_RAW, cap.snaplen, name);
	}
}

static void
record(struct sbuf *b, struct rte_mbuf *m)
{
	const struct dp_cap_rec *r = dp_cap_rec(m);
	char comment[96];
	uint8_t data[9216];
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(data));
	const void *p = rte_pktmbuf_read(m, 0, len, data);
	uint64_t ts = cap.start_ns + (r->tsc - cap.start_tsc) * 1000000000ull / cap.hz;
	enum pcapng_dir dir = r->point == CAP_TX ? PCAPNG_DIR_OUT : r->point == CAP_RX ?
			      PCAPNG_DIR_IN : PCAPNG_DIR_NONE;
	const char *sa = r->sa_id < ctl.max_sas && ctl.sa[r->sa_id].dp ?
			 ctl.sa[r->sa_id].desc.name : "?";

	if (r->point == CAP_DROP)
		snprintf(comment, sizeof(comment), "drop: %s", espgw_drop_name[r->drop]);
	else if (r->point == CAP_PLAIN)
		snprintf(comment, sizeof(comment), "SA %s: plaintext %s", sa,
			 r->outbound ? "before encryption" : "after decryption");
	else
		snprintf(comment, sizeof(comment), "%s", r->point == CAP_RX ? "rx" : "tx");
	pcapng_epb(b, 2u * r->port + !r->l2, ts, p, len, r->orig_len, dir, comment);
}

static void
finish(const char *why)
{
	char line[256];
	uint64_t taken, missed;
	long n;

	dp_capture_counts(cap.c, &taken, &missed);
	/* the workers let go of it, then its buffers go (msgs.c) */
	ctl_post(MSG_CAP_SET, NULL, cap.c);
	n = snprintf(line, sizeof(line), "capture ended (%s): %lu packets written, %lu missed "
		     "(no room in the capture's ring)\n", why, (unsigned long)cap.written,
		     (unsigned long)missed);
	log_info("%.*s", (int)n - 1, line);
	if (!cap.client_gone)
		mgmt_send_frame(cap.client, "OK", line, (size_t)n);
	cap.c = NULL;
	cap.client = -1;
}

void
ctl_capture_poll(void)
{
	struct rte_mbuf *m[64];
	struct sbuf b = { 0 };
	uint64_t taken, missed;
	unsigned k = 0;
	long queued = 0;

	if (cap.c == NULL)
		return;
	if (cap.client_gone) {
		finish("the client left");
		return;
	}
	if (!cap.header_sent) {
		header(&b);
		cap.header_sent = true;
	}
	/* at most 8 MB waiting for the client: the rest waits in the ring */
	queued = mgmt_queued(cap.client);
	if (queued >= 0 && queued < (long)CAP_QUEUE_MAX) {
		k = dp_capture_dequeue(cap.c, m, RTE_DIM(m));
		for (unsigned i = 0; i < k; i++)
			record(&b, m[i]);
		rte_pktmbuf_free_bulk(m, k);
		cap.written += k;
	}
	if (b.len && mgmt_send_frame(cap.client, "DATA", b.p, b.len) < 0)
		cap.client_gone = true;
	free(b.p);
	dp_capture_counts(cap.c, &taken, &missed);
	if (cap.client_gone || queued < 0)
		finish("the client left");
	else if (cap.written + missed >= cap.count && k == 0)
		finish("count reached");
	else if (wall_ns() >= cap.until_ns)
		finish("time is up");
}

void
ctl_capture_stop_all(void)
{
	if (cap.c != NULL)
		finish("espgw stops");
}
