/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remote-access users (`users:`): names and passwords that XAUTH
 * (and EAP, later) check. Sorted by name; a check takes the same time
 * whether the name exists or not and however much of the password is
 * right.
 */
#ifndef ESPGW_IKE_USERS_H
#define ESPGW_IKE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/desc.h"

struct ike_users;

struct ike_users *ike_users_new(const struct user_desc *u, unsigned n);
void ike_users_free(struct ike_users *u);
unsigned ike_users_count(const struct ike_users *u);
/* does name (nlen bytes) have password pw (plen bytes)? */
bool ike_users_check(const struct ike_users *u, const uint8_t *name, size_t nlen,
		     const uint8_t *pw, size_t plen);

/* the NT hash (MD4 of the UTF-16 password) of name's password: MS-CHAPv2
 * needs it; -1 for an unknown name */
int ike_users_nt_hash(const struct ike_users *u, const char *name, uint8_t out[16]);

#endif
