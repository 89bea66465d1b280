/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management plane inside the daemon: mgmt.c runs commands,
 * mgmt_conn.c owns the socket and its clients.
 */
#ifndef ESPGW_MGMT_H
#define ESPGW_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A growing reply buffer. */
struct sbuf {
	char *p;
	size_t len, cap;
};
void mgmt_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mgmt_put(struct sbuf *b, const void *p, size_t n);

/* Who sent a request (SO_PEERCRED) and what it may do. */
struct mgmt_caller {
	uid_t uid;
	pid_t pid;
	bool admin;		/* may change state; else show/help only */
};

/* One request as a command's handler sees it: the words its syntax left
 * open (placeholders, choices, KEY=VALUE words), in order. */
struct mgmt_req {
	int argc;
	char **argv;
	bool js;			/* --json */
	struct sbuf *b;
	char *err;
	size_t el;
	const struct mgmt_caller *who;
	int client;			/* the asking client's socket (log follow) */
};

/* Run one request line (modified in place); 0 = OK, -1 = ERR (err). */
int mgmt_execute(char *line, const struct mgmt_caller *who, int client, struct sbuf *b,
		 char *err, size_t el);
/* The file `reload` reads, and the directory other reload files must be in. */
void mgmt_set_reload_path(const char *p);
/* Reload path (NULL: the running configuration's file), as `reload` does. */
int mgmt_reload(const char *path, struct sbuf *b, char *err, size_t el);
struct espgw_config;
/* Warn when a configuration holding secrets is readable by others. */
void mgmt_warn_secrets_mode(const char *path, const struct espgw_config *c);

/* mgmt_conn.c: the socket and its clients */
int mgmt_open(const struct espgw_config *c);
void mgmt_close(void);
int mgmt_fd(void);
void mgmt_accept(void);
void mgmt_client_event(int fd, uint32_t events);
bool mgmt_is_client(int fd);
void mgmt_tick(void);
/* a frame to a client outside the request-reply cycle (kw "DATA" for a
 * stream's chunks, "OK"/"ERR" to end it): the bytes it has queued, -1
 * when it is gone */
long mgmt_send_frame(int client, const char *kw, const void *p, size_t len);
/* the bytes queued for a client, -1 when it is gone */
long mgmt_queued(int client);
/* fn(fd) when a client goes (one watcher: the capture) */
void mgmt_on_close(void (*fn)(int fd));
/* the client streams log lines of level <= lvl from now on (log follow) */
int mgmt_follow(int client, int lvl);
extern int mgmt_epfd;

#endif
