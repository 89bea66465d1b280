/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ESPGW_CONFIG_H
#define ESPGW_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "common/desc.h"

/*
 * Load a YAML configuration. On error returns NULL and writes
 * "file:line: what is wrong" into err. Nothing global is touched, so a bad
 * file changes nothing (reload is transactional by construction).
 */
struct espgw_config *config_load_file(const char *path, char *err, size_t errlen);
struct espgw_config *config_load_string(const char *text, const char *source,
					char *err, size_t errlen);
/* The built-in default configuration (the demo's). */
extern const char config_default_yaml[];
void config_free(struct espgw_config *c);
/* Descriptors as the loader starts them (defaults) and completes them
 * (derived fields), for code that builds them without text (IKE). */
void config_sa_defaults(struct sa_desc *sa);
void config_sa_finish(struct sa_desc *sa);
void config_policy_defaults(struct policy_desc *p);
int config_check_policy(const struct policy_desc *p, char *errbuf, size_t errlen);
/* Cross-reference checks shared by the loader and run-time edits. */
int config_check_sa(const struct sa_desc *sa, char *err, size_t errlen);
const struct sa_desc *config_find_sa(const struct espgw_config *c, const char *name);
int config_check_conn(const struct conn_desc *c, char *err, size_t errlen);
/* remote access (config/remote.c): pools and users, and what a
 * connection asks of them */
int config_check_pool(const struct pool_desc *p, char *err, size_t errlen);
int config_check_user(const struct user_desc *u, char *err, size_t errlen);
const struct pool_desc *config_find_pool(const struct espgw_config *c, const char *name);
int config_check_remote(const struct espgw_config *cfg, const struct conn_desc *c, char *err,
			size_t errlen);
int config_find_port(const struct espgw_config *c, const char *name);
/* Parse one SA / policy given as "key=value" words (the CLI form). */
int config_parse_sa_words(int argc, char **argv, struct sa_desc *sa,
			  char *err, size_t errlen);
int config_parse_policy_words(int argc, char **argv, struct policy_desc *p,
			      char *err, size_t errlen);
/* Does PROTECT policy p fit SA s (outbound, same inner family)? */
int config_policy_sa_ok(const struct policy_desc *p, const struct sa_desc *s,
			char *err, size_t errlen);
int cfg_hex_parse(const char *s, uint8_t *out, size_t max, size_t *outlen);
/* The reference table of one section's keys (top, eal, ike, ports, routes,
 * sas, policies, connections) as docs/configuration.md has it; -1 for
 * another name. */
int config_print_keys(const char *section, FILE *f);

#endif
