/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: sequence-number streams through the real inbound
 * pipeline (tests/dp/dp_harness), each packet's fate checked against the
 * RFC 4303 A2 model (tests/dp/replay_model.h). Every input starts from
 * fresh SAs. Four bytes per packet:
 *   b0: SA (low bits), end the burst after this packet (bit 7)
 *   b1: what the sender does: next number, a jump forward, a number back,
 *       a forged packet ahead, a jump towards just below the next 2^32
 *       boundary (at most 2^31 at once)
 *   b2, b3: the distance
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/dp/dp_harness.h"
#include "tests/dp/replay_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dph_sa sas[] = {
	{ "aes-gcm-128", 32, false, 0, 0 },
	{ "aes-gcm-128", 64, true, 0, 0 },
	{ "aes-gcm-128", 1024, true, 0, 0 },
	{ "aes-cbc-128-sha256", 128, true, 0, 0 },
	{ "aes-gcm-128", 4096, false, 0, 0 },
};
#define NSA (sizeof(sas) / sizeof(sas[0]))

DPH_FUZZ_INIT(sas)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay_model model[NSA];
	uint64_t next[NSA], hi[NSA];
	struct rte_mbuf *m[32];
	uint8_t fate[32], sa_of[32];
	uint64_t seq_of[32];
	unsigned nb = 0;

	if (size > 4 * 512)
		return 0;
	dph_reset();
	for (unsigned s = 0; s < NSA; s++) {
		model_init(&model[s], sas[s].effective_window, sas[s].esn);
		next[s] = 1;
		hi[s] = 0;
	}
	for (size_t off = 0; off + 4 <= size; off += 4) {
		unsigned s = (data[off] & 0x7f) % NSA;
		uint64_t v = data[off + 2] | (unsigned)data[off + 3] << 8;
		uint64_t seq;
		bool forged = false;

		switch (data[off + 1] % 8) {
		case 4:
			next[s] += v;
			seq = next[s]++;
			break;
		case 5:
			seq = hi[s] > v ? hi[s] - v : 1;
			break;
		case 6:
			seq = next[s] + v;
			forged = true;
			break;
		case 7: {
			/*
			 * Towards just below the next 2^32 boundary, by at most
			 * 2^31 at once: A2.2 only promises to follow senders
			 * that skip less than 2^32 - W, and espgw drops the one
			 * jump of exactly 2^32 - W (docs/architecture.md).
			 */
			uint64_t to = sas[s].esn ? ((next[s] >> 32) + 1) << 32 : 1ull << 32;
			to -= v + 1;
			if (to > next[s] + (1ull << 31))
				to = next[s] + (1ull << 31);
			if (to > next[s])
				next[s] = to;
			seq = next[s]++;
			break;
		}
		default:
			seq = next[s]++;
		}
		if (!sas[s].esn && seq > UINT32_MAX)
			seq = UINT32_MAX;
		if (!forged && seq > hi[s])
			hi[s] = seq;
		fate[nb] = model_receive(&model[s], seq, forged);
		sa_of[nb] = (uint8_t)s;
		seq_of[nb] = seq | (uint64_t)forged << 63;
		m[nb] = dph_esp(s, seq, (uint32_t)(off / 4), forged);
		nb++;
		if (nb == 32 || (data[off] & 0x80) || off + 8 > size) {
			struct dph_out out;
			unsigned deliver = 0;
			uint64_t replay = 0, icv = 0;

			dph_burst(DPH_PORT_OUTSIDE, m, nb, &out);
			for (unsigned i = 0; i < nb; i++) {
				deliver += fate[i] == FATE_DELIVER;
				replay += fate[i] == FATE_REPLAY;
				icv += fate[i] == FATE_ICV;
			}
			/* the model and the pipeline disagree: a bug */
			if (out.n_tx[DPH_PORT_INSIDE] != deliver ||
			    out.drops[ESPGW_DROP_ESP_REPLAY] != replay ||
			    out.drops[ESPGW_DROP_ESP_ICV] != icv) {
				fprintf(stderr, "mismatch: delivered %u (model %u), esp-replay %lu "
					"(model %lu), esp-icv %lu (model %lu); the burst:\n",
					out.n_tx[DPH_PORT_INSIDE], deliver,
					(unsigned long)out.drops[ESPGW_DROP_ESP_REPLAY],
					(unsigned long)replay,
					(unsigned long)out.drops[ESPGW_DROP_ESP_ICV], (unsigned long)icv);
				for (unsigned i = 0; i < nb; i++)
					fprintf(stderr, "  SA %u (W %u%s) seq 0x%llx%s: model %s\n",
						sa_of[i], sas[sa_of[i]].effective_window,
						sas[sa_of[i]].esn ? " ESN" : "",
						(unsigned long long)(seq_of[i] & ~(1ull << 63)),
						seq_of[i] >> 63 ? " forged" : "",
						fate[i] == FATE_DELIVER ? "deliver" :
						fate[i] == FATE_REPLAY ? "esp-replay" : "esp-icv");
				__builtin_trap();
			}
			nb = 0;
		}
	}
	for (unsigned s = 0; s < NSA; s++)
		model_free(&model[s]);
	return 0;
}
