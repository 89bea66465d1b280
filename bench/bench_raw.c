/* SPDX-License-Identifier: BSD-3-Clause */
/* espgw-bench's raw ceiling (bench.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <rte_cycles.h>

#include "bench/bench.h"
#include "common/desc.h"
#include "common/log.h"

/*
 * Ceiling: raw Intel IPsec-MB on buffers of the same sizes, the same
 * algorithm, what ESP encrypts (inner packet + trailer) and authenticates
 * (+ ESP header and IV). AES-GCM through its direct API; AES-CBC+HMAC and
 * ChaCha20-Poly1305 through the job API in bursts (what the aesni_mb PMD
 * uses), each job completed before the run's clock stops.
 */
struct result
bench_raw(const char *alg, int size, double seconds, const uint8_t *key_out,
	  const uint8_t *auth_key)
{
	IMB_MGR *mgr = alloc_mb_mgr(0);
	const struct esp_alg_info *ai = &esp_alg_info[esp_alg_by_name(alg)];
	struct gcm_key_data kd;
	struct gcm_context_data ctx;
	static uint8_t buf[2048], out[2048];
	DECLARE_ALIGNED(uint32_t enc_exp[60], 16);
	DECLARE_ALIGNED(uint32_t dec_exp[60], 16);
	DECLARE_ALIGNED(uint8_t ipad[32], 16);
	DECLARE_ALIGNED(uint8_t opad[32], 16);
	uint8_t iv[16] = { 0 }, aad[8] = { 0 }, tag[16];
	struct result r = { 0 };
	bool gcm = !strncmp(alg, "aes-gcm", 7), cbc = !strncmp(alg, "aes-cbc", 7);
	unsigned klen = cbc ? ai->enc_key_len : 32, blk = cbc ? 16 : 4;
	uint64_t start, end;
	unsigned t = 0;

	init_mb_mgr_auto(mgr, NULL);
	if (gcm && ai->enc_key_len == 36)
		IMB_AES256_GCM_PRE(mgr, key_out, &kd);
	else if (gcm)
		IMB_AES128_GCM_PRE(mgr, key_out, &kd);
	if (cbc) {
		uint8_t b[64];
		if (klen == 32)
			IMB_AES_KEYEXP_256(mgr, key_out, enc_exp, dec_exp);
		else
			IMB_AES_KEYEXP_128(mgr, key_out, enc_exp, dec_exp);
		memset(b, 0x36, 64);
		for (unsigned i = 0; i < 32; i++)
			b[i] ^= auth_key[i];
		IMB_SHA256_ONE_BLOCK(mgr, b, ipad);
		memset(b, 0x5c, 64);
		for (unsigned i = 0; i < 32; i++)
			b[i] ^= auth_key[i];
		IMB_SHA256_ONE_BLOCK(mgr, b, opad);
	}
	start = rte_rdtsc();
	end = start + (uint64_t)(seconds * rte_get_tsc_hz());
	while (rte_rdtsc() < end) {
		for (int i = 0; i < 256; i++, t++) {
			/* ESP payload: inner IP packet + 2-byte trailer, padded */
			unsigned len = (bench_frame_size(size, t) - 14 + 2 + blk - 1) & ~(blk - 1);
			if (gcm && ai->enc_key_len == 36) {
				IMB_AES256_GCM_ENC(mgr, &kd, &ctx, out, buf, len, iv, aad, 8, tag, 16);
			} else if (gcm) {
				IMB_AES128_GCM_ENC(mgr, &kd, &ctx, out, buf, len, iv, aad, 8, tag, 16);
			} else {
				IMB_JOB *j = IMB_GET_NEXT_JOB(mgr);
				j->cipher_direction = IMB_DIR_ENCRYPT;
				j->chain_order = IMB_ORDER_CIPHER_HASH;
				j->src = buf;
				j->dst = out + 24;
				j->cipher_start_src_offset_in_bytes = 24;
				j->msg_len_to_cipher_in_bytes = len;
				j->key_len_in_bytes = klen;
				j->auth_tag_output = tag;
				j->auth_tag_output_len_in_bytes = 16;
				if (cbc) {
					j->cipher_mode = IMB_CIPHER_CBC;
					j->enc_keys = enc_exp;
					j->dec_keys = dec_exp;
					j->iv = iv;
					j->iv_len_in_bytes = 16;
					j->hash_alg = IMB_AUTH_HMAC_SHA_256;
					j->hash_start_src_offset_in_bytes = 0;
					j->msg_len_to_hash_in_bytes = 24 + len;
					j->u.HMAC._hashed_auth_key_xor_ipad = ipad;
					j->u.HMAC._hashed_auth_key_xor_opad = opad;
				} else {
					j->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
					j->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
					j->enc_keys = key_out;
					j->iv = iv;
					j->iv_len_in_bytes = 12;
					j->hash_start_src_offset_in_bytes = 24;
					j->msg_len_to_hash_in_bytes = len;
					j->u.CHACHA20_POLY1305.aad = aad;
					j->u.CHACHA20_POLY1305.aad_len_in_bytes = 8;
				}
				j = IMB_SUBMIT_JOB(mgr);
				while (j != NULL) {
					if (j->status != IMB_STATUS_COMPLETED) {
						log_err("raw: job failed (%d)", j->status);
						exit(1);
					}
					j = IMB_GET_COMPLETED_JOB(mgr);
				}
			}
			r.bytes += bench_frame_size(size, t);
			r.pkts++;
		}
	}
	while (IMB_FLUSH_JOB(mgr) != NULL)
		;
	r.cycles = rte_rdtsc() - start;
	free_mb_mgr(mgr);
	return r;
}

