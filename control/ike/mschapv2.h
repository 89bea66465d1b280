/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-CHAPv2's computations (RFC 2759) and its MSK (RFC 3079, as EAP-
 * MSCHAPv2 in IKEv2 takes it: MasterReceiveKey | MasterSendKey | 32 zero
 * bytes). MD4 and single DES come from OpenSSL's legacy provider, loaded
 * into a library context of their own (the rest of espgw keeps OpenSSL's
 * default provider).
 */
#ifndef ESPGW_IKE_MSCHAPV2_H
#define ESPGW_IKE_MSCHAPV2_H

#include <stddef.h>
#include <stdint.h>

#define MSCHAPV2_MSK_LEN 64

/* NtPasswordHash: MD4 of the password as UTF-16LE (ASCII/UTF-8 taken
 * byte by byte as its code points below 128; others refused: -1) */
int mschapv2_nt_hash(const char *password, uint8_t out[16]);
/* the peer's NT-Response to the authenticator's challenge */
int mschapv2_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
			 const char *user, const uint8_t nt_hash[16], uint8_t out[24]);
/* "S=<40 hex>": the authenticator's proof that it knows the password */
int mschapv2_auth_response(const uint8_t nt_hash[16], const uint8_t nt_response[24],
			   const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
			   const char *user, char out[43]);
int mschapv2_msk(const uint8_t nt_hash[16], const uint8_t nt_response[24],
		 uint8_t out[MSCHAPV2_MSK_LEN]);

#endif
