/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl: the transport and the requests that stream (espgwctl.c),
 * used by the shell (espgwctl_shell.c) and the command line
 * (espgwctl_main.c).
 */
#ifndef ESPGW_ESPGWCTL_H
#define ESPGW_ESPGWCTL_H

#include <stdbool.h>

extern const char *sock_path;	/* the daemon's socket (-s) */
extern double timeout_s;	/* the longest wait on it (-t) */
/* connect once (0), or say why not (-1) */
int conn(void);
bool send_line(const char *line);
/* one framed reply: 0 OK, 1 ERR, -errno; the body printed or kept in *keep */
int read_reply_body(char **keep);
/* a line as typed: the shell's own commands (monitor) or a request */
int run(const char *line);
int shell(void);

#endif
