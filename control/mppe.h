/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC 2548 2.4.2, 2.4.3): how a
 * RADIUS server hands an EAP method's MSK to the NAS, encrypted with the
 * shared secret and the request's authenticator (mppe.c).
 */
#ifndef ESPGW_MPPE_H
#define ESPGW_MPPE_H

#include <stddef.h>
#include <stdint.h>

/* v (n bytes: salt, then the encrypted blocks): the key into out (at most
 * cap); its length, or -1 when it is malformed */
int radius_mppe_key(const uint8_t *v, size_t n, const char *secret, const uint8_t *vector,
		    uint8_t *out, size_t cap);

#endif
