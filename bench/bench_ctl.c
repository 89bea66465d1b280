/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgw-bench's control-plane modes (bench.h): SA installs through the
 * rings to a running worker (installs/s, submit -> all-acked latency, heap
 * per SA), and what IKE does per CHILD_SA (control/ike_ctl.c: an inbound
 * SA, an outbound SA and a protect policy for its own remote net), the
 * time per tunnel as their number grows.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/msgs.h"
#include "control/sa_mgr.h"
#include "dataplane/dp.h"
#include "bench/bench.h"

static int
u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct result
bench_install(unsigned sas, char *extra, size_t el)
{
	uint64_t *lat = malloc(sas * sizeof(*lat));
	uint64_t start, t;
	struct sa_desc d;
	char err[200], *argv[8], name[32], spi[32], k[100];
	size_t heap0, heap1;
	struct rte_malloc_socket_stats st;

	snprintf(k, sizeof(k), "key=0x0102030405060708090a0b0c0d0e0f1011121314");
	rte_malloc_get_socket_stats(0, &st);
	heap0 = st.heap_allocsz_bytes;
	dp_start();
	start = rte_rdtsc();
	for (unsigned i = 0; i < sas; i++) {
		uint64_t posted = ctl.st.msgs_acked;
		snprintf(name, sizeof(name), "name=b%u", i);
		snprintf(spi, sizeof(spi), "spi=%u", 0x100000 + i);
		argv[0] = name; argv[1] = spi; argv[2] = "direction=in";
		argv[3] = "algorithm=aes-gcm-128"; argv[4] = k;
		argv[5] = "local=198.18.0.1"; argv[6] = "remote=198.18.0.2";
		if (config_parse_sa_words(7, argv, &d, err, sizeof(err)) < 0 ||
		    ctl_sa_add(&d, err, sizeof(err)) < 0) {
			log_err("install %u: %s", i, err);
			exit(1);
		}
		/* latency of this install: posted -> every worker acked */
		while (ctl.st.msgs_acked == posted)
			ctl_poll_rings();
		lat[i] = ctl.st.ack_lat_ns_last;
	}
	t = rte_rdtsc() - start;
	rte_malloc_get_socket_stats(0, &st);
	heap1 = st.heap_allocsz_bytes;
	qsort(lat, sas, sizeof(*lat), u64cmp);
	snprintf(extra, el, ",installs_per_s=%.0f,p50_us=%.1f,p99_us=%.1f,"
		 "heap_bytes_per_sa=%.0f,session_bytes=%u",
		 sas / ((double)t / rte_get_tsc_hz()), lat[sas / 2] / 1e3,
		 lat[(size_t)(sas * 0.99)] / 1e3, (double)(heap1 - heap0) / sas,
		 dp.sess_pool->elt_size);
	free(lat);
	return (struct result){ sas, 0, t };
}

struct result
bench_tunnels(unsigned sas, char *extra, size_t el)
{
	uint64_t start, t, t_last = 0, c0;
	char err[200], *argv[9], w[9][96];
	unsigned last = sas / 10 ? sas / 10 : 1;

	dp_start();
	start = rte_rdtsc();
	for (unsigned i = 0; i < sas; i++) {
		struct sa_desc d;
		struct policy_desc p;
		c0 = rte_rdtsc();
		for (int dir = 0; dir < 2; dir++) {
			snprintf(w[0], 96, "name=t%c%u", dir ? 'o' : 'i', i);
			snprintf(w[1], 96, "spi=%u", 0x100000 + 2 * i + dir);
			snprintf(w[2], 96, "direction=%s", dir ? "outbound" : "inbound");
			snprintf(w[3], 96, "algorithm=aes-gcm-128");
			snprintf(w[4], 96, "key=0x0102030405060708090a0b0c0d0e0f1011121314");
			snprintf(w[5], 96, "local=198.18.0.1");
			snprintf(w[6], 96, "remote=198.18.0.2");
			for (int k = 0; k < 7; k++)
				argv[k] = w[k];
			if (config_parse_sa_words(7, argv, &d, err, sizeof(err)) < 0 ||
			    ctl_sa_add(&d, err, sizeof(err)) < 0) {
				log_err("tunnel %u: %s", i, err);
				exit(1);
			}
		}
		snprintf(w[0], 96, "name=tp%u", i);
		snprintf(w[1], 96, "src=198.18.1.0/24");
		snprintf(w[2], 96, "dst=10.%u.%u.0/24", (i >> 8) & 255, i & 255);
		snprintf(w[3], 96, "sa=to%u", i);
		snprintf(w[4], 96, "action=protect");
		for (int k = 0; k < 5; k++)
			argv[k] = w[k];
		/* as IKE's (control/ike_ctl.c child_route) */
		if (config_parse_policy_words(5, argv, &p, err, sizeof(err)) < 0 ||
		    (p.dynamic = true, p.priority = 1000000 + i,
		     ctl_policy_add(&p, err, sizeof(err)) < 0)) {
			log_err("tunnel %u policy: %s", i, err);
			exit(1);
		}
		ctl_poll_rings();
		if (i >= sas - last)
			t_last += rte_rdtsc() - c0;
	}
	t = rte_rdtsc() - start;
	snprintf(extra, el, ",tunnels_per_s=%.0f,last_tenth_us_per_tunnel=%.1f",
		 sas / ((double)t / rte_get_tsc_hz()),
		 (double)t_last / last / rte_get_tsc_hz() * 1e6);
	return (struct result){ sas, 0, t };
}
