/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real worker pipeline in one process, for tests and fuzz targets:
 * EAL without hugepages, two net_null ports (inside 198.18.1.1/24,
 * outside 198.18.0.1/24), inbound SAs from the remote gateway 198.18.0.2,
 * an outbound SA and policy towards it, both neighbours known. Packets
 * are handed to worker_burst() as the RX loop would; what comes out is
 * read from the worker's TX buffers before they are flushed, and the drop
 * reasons from its counters.
 */
#ifndef ESPGW_DP_HARNESS_H
#define ESPGW_DP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/drop.h"
#include "dataplane/worker.h"

struct dph_sa {
	const char *alg;	/* aes-gcm-128 or aes-cbc-128-sha256 */
	uint32_t window;	/* as configured */
	bool esn;
	/* filled by dph_init */
	uint32_t spi;
	uint32_t effective_window;	/* what the data plane uses */
};

#define DPH_PORT_INSIDE 0
#define DPH_PORT_OUTSIDE 1

/* libFuzzer's LLVMFuzzerInitialize for a target on the harness with SAs sas[] */
#define DPH_FUZZ_INIT(sas)							\
	int LLVMFuzzerInitialize(int *argc, char ***argv);			\
	int LLVMFuzzerInitialize(int *argc, char ***argv)			\
	{									\
		(void)argc;							\
		dph_init((*argv)[0], sas, sizeof(sas) / sizeof(sas[0]));	\
		return 0;							\
	}

/* the outside port's MTU, set before dph_init (0: 1500) */
extern unsigned dph_outside_mtu;

/* The configuration dph_init applies (malloc'd YAML). */
char *dph_config_text(void);
/* Set up EAL, the configuration and the SAs; exits on failure. */
void dph_init(const char *argv0, struct dph_sa *sas, unsigned n);

/*
 * An ESP frame on SA i with sequence number seq (the low half goes on the
 * wire; with ESN the whole number is covered by the ICV), carrying the
 * inner UDP packet whose payload is tag. forged: one ICV byte flipped.
 */
struct rte_mbuf *dph_esp(unsigned i, uint64_t seq, uint32_t tag, bool forged);

/* The same with any inner bytes and next header (padding always right). */
#define DPH_MAX_INNER 1400
struct rte_mbuf *dph_esp_payload(unsigned i, uint64_t seq, const uint8_t *inner,
				 unsigned inner_len, uint8_t nh, bool forged);

/* Every inbound SA deleted and added again: fresh windows. */
void dph_reset(void);
/* let the worker take its messages and the control thread their acks */
void dph_pump(void);

/* A frame from raw bytes as it would arrive on a port. */
struct rte_mbuf *dph_frame(const uint8_t *data, uint16_t len);

struct dph_out {
	unsigned n_tx[2];		/* frames sent per port */
	uint32_t tags[DP_BURST * 4];	/* inside port: the inner tags, in order */
	uint64_t drops[ESPGW_DROP_MAX];	/* counted during this burst */
	unsigned punted;
};

/* One burst through worker_burst() on port; fills out, frees everything. */
void dph_burst(uint16_t port, struct rte_mbuf **m, unsigned n, struct dph_out *out);

#endif
