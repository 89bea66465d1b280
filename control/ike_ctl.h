/* SPDX-License-Identifier: BSD-3-Clause */
/* The IKEv2 engine inside espgw (ike_ctl.c, ike_show.c). */
#ifndef ESPGW_IKE_CTL_H
#define ESPGW_IKE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

/* every connection of c builds (credentials load, proposals parse) */
int ctl_ike_check(const struct espgw_config *c, char *err, size_t el);
/* the engine's connections become nc's; old is the running config or NULL */
int ctl_ike_sync(const struct espgw_config *old, const struct espgw_config *nc, char *err,
		 size_t el);
bool ctl_ike_input(const uint8_t *l3, uint32_t len);
/* a packet hit a trap policy: start the connection whose selectors it matches */
void ctl_ike_acquire(const uint8_t *l3, uint32_t len);
void ctl_ike_timer(void);
/* at shutdown: every IKE SA is deleted (a Delete to each peer) */
void ctl_ike_goodbye(void);
void ctl_ike_fini(void);
/* the engine, for listings (ike_show.c) */
struct ike_engine *ctl_ike_engine(void);
/* show ike [sas|conns|stats]: text or JSON, malloc'd; NULL with err */
char *ctl_ike_show(const char *what, const char *conn, bool json, char *err, size_t el);
int ctl_ike_initiate(const char *conn, char *err, size_t el);
int ctl_ike_terminate(const char *conn, char *err, size_t el);
/* RFC 5685: the connection's IKE SAs sent to gateway `to`: how many */
int ctl_ike_redirect(const char *conn, const char *to, char *err, size_t el);
/* MOBIKE: the connection's IKE SAs we initiated move to our address to */
int ctl_ike_move(const char *conn, const char *to, char *err, size_t el);
/* one CHILD_SA, by its inbound or outbound SPI */
int ctl_ike_terminate_child(const char *conn, uint32_t spi, char *err, size_t el);
int ctl_ike_rekey(const char *conn, bool ike, char *err, size_t el);
/* the IKE SA a CHILD_SA (one of its SPIs) belongs to, for `show sa NAME` */
struct ctl_child_owner {
	uint8_t version;
	uint64_t spi_i, spi_r;
	const char *state;		/* the CHILD_SA's */
	int64_t rekey_in_s;		/* -1: none planned */
};
bool ctl_ike_child_owner(const char *conn, uint32_t spi, struct ctl_child_owner *o);

#endif
