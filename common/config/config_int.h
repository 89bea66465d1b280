/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the configuration's files share (common/config/): the scalar
 * parsers the key tables use. Not for other modules:
 * they use common/config.h.
 */
#ifndef ESPGW_CONFIG_INT_H
#define ESPGW_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

/* scalars.c: each returns 0, or -1 with err filled */
int cfg_fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cfg_parse_u64(const char *s, uint64_t max, uint64_t *out, char *err, size_t el);
int cfg_parse_bool(const char *s, bool *out, char *err, size_t el);
int cfg_parse_addr(const char *s, struct ip_addr *a, char *err, size_t el);
int cfg_parse_name(const char *s, char *out, char *err, size_t el);
int cfg_parse_prefix(const char *s, struct ip_prefix *p, char *err, size_t el);
int cfg_parse_key(const char *s, uint8_t *out, uint8_t *len, char *err, size_t el);
int cfg_parse_range(const char *s, uint16_t *lo, uint16_t *hi, char *err, size_t el);
int cfg_parse_proto(const char *s, uint8_t *p, char *err, size_t el);

#endif
