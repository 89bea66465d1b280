/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl: the management CLI. With a command it runs it once; without
 * one it opens a shell (espgwctl_shell.c).
 */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/espgwctl.h"

const char *sock_path = "/run/espgw/espgw.sock";
static int fd = -1;
double timeout_s = 10;

/* Why the daemon could not be reached, in words an operator can act on. */
static void
conn_error(int e)
{
	switch (e) {
	case ENOENT:
		fprintf(stderr, "espgwctl: no management socket at %s: espgw is not running, "
			"or uses another mgmt_socket (-s PATH)\n", sock_path);
		break;
	case ECONNREFUSED:
		fprintf(stderr, "espgwctl: %s refuses connections: espgw is not running "
			"(a stale socket)\n", sock_path);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, "espgwctl: permission denied on %s: run as root or as a "
			"member of the socket's group (mgmt_group)\n", sock_path);
		break;
	case EAGAIN:
	case ETIMEDOUT:
		fprintf(stderr, "espgwctl: espgw did not accept the connection within %g s "
			"(busy or stuck?); --timeout SECONDS waits longer\n", timeout_s);
		break;
	default:
		fprintf(stderr, "espgwctl: cannot connect to %s: %s\n", sock_path,
			strerror(e));
	}
}

int
conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { (time_t)timeout_s,
			      (suseconds_t)((timeout_s - (time_t)timeout_s) * 1e6) };

	if (fd >= 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_error(errno);
		return -1;
	}
	/* every wait (connect on a full backlog, send, receive) is bounded */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		conn_error(errno);
		close(fd);
		fd = -1;
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t interrupted;	/* Ctrl-C in monitor or log follow */

/* 0, or the errno of the failure (0 bytes read: EPIPE) */
static int
read_n(char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR && !interrupted)
			continue;
		if (k <= 0)
			return k == 0 ? EPIPE : errno;
		p += k;
		n -= k;
	}
	return 0;
}

static int
lost(int e)
{
	if (interrupted) {		/* Ctrl-C in monitor, log follow, capture */
		close(fd);
		fd = -1;
		return 0;
	}
	if (e == EAGAIN || e == EWOULDBLOCK)
		fprintf(stderr, "espgwctl: no reply from espgw within %g s (busy or stuck?); "
			"--timeout SECONDS waits longer\n", timeout_s);
	else if (e == EPIPE || e == ECONNRESET)
		fprintf(stderr, "espgwctl: espgw closed the connection (it stopped, or cut "
			"this client off: see its log)\n");
	else
		fprintf(stderr, "espgwctl: connection to espgw lost: %s\n", strerror(e));
	close(fd);
	fd = -1;
	return 2;
}

/* Read one framed reply: 0 OK, 1 ERR, -errno when none came; the body
 * printed, or kept in *keep (malloc'd) when keep is not NULL. */
static int read_frame(char **keep, char **data, size_t *n);

int
read_reply_body(char **keep)
{
	return read_frame(keep, NULL, NULL);
}

/* one frame: 0 OK, 1 ERR, 3 DATA (body kept, its length in *n; DATA only
 * when data is not NULL), -errno */
static int
read_frame(char **keep, char **data, size_t *n)
{
	char hdr[32], *body;
	size_t i = 0, len;
	int is_err, e;

	while (i < sizeof(hdr) - 1) {
		e = read_n(hdr + i, 1);
		if (e != 0)
			return -e;
		if (hdr[i++] == '\n')
			break;
	}
	hdr[i] = '\0';
	if (sscanf(hdr, "OK %zu", &len) == 1)
		is_err = 0;
	else if (sscanf(hdr, "ERR %zu", &len) == 1)
		is_err = 1;
	else if (data != NULL && sscanf(hdr, "DATA %zu", &len) == 1)
		is_err = 3;
	else
		return -EPROTO;
	if (len > (64u << 20))
		return -EMSGSIZE;
	body = malloc(len + 1);
	if (body == NULL)
		return -ENOMEM;
	e = read_n(body, len);
	if (e != 0) {
		free(body);
		return -e;
	}
	body[len] = '\0';
	if (is_err == 3) {
		*data = body;
		*n = len;
		return 3;
	}
	if (keep != NULL) {
		*keep = body;
		return is_err;
	}
	fputs(body, is_err ? stderr : stdout);
	fflush(stdout);
	free(body);
	return is_err;
}

static int
read_reply(void)
{
	return read_reply_body(NULL);
}

bool
send_line(const char *line)
{
	return send(fd, line, strlen(line), MSG_NOSIGNAL) >= 0 &&
	       send(fd, "\n", 1, MSG_NOSIGNAL) >= 0;
}

/* Send one request; print the reply. Returns 0 OK, 1 ERR, 2 transport. */
static int
request(const char *line)
{
	int r;

	if (strchr(line, '\n')) {
		fprintf(stderr, "espgwctl: a request is one line\n");
		return 1;
	}
	if (conn() < 0)
		return 2;
	for (int attempt = 0; !send_line(line); attempt++) {
		int e = errno;
		if ((e != EPIPE && e != ECONNRESET) || attempt == 1)
			return lost(e);
		/* espgw hung up; it may have said why first (too many clients) */
		r = read_reply();
		if (r >= 0) {
			close(fd);
			fd = -1;
			return r;
		}
		/* or the shell's connection timed out there (mgmt_idle_timeout):
		 * nothing of this request was read, so once more on a new one */
		close(fd);
		fd = -1;
		if (conn() < 0)
			return 2;
	}
	r = read_reply();
	if (r < 0)
		return lost(-r);
	return r;
}

static void
on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* monitor [SECONDS]: show rates again each interval until Ctrl-C */
static int
monitor(const char *arg)
{
	double every = arg ? strtod(arg, NULL) : 1;
	struct sigaction sa = { .sa_handler = on_int }, old;
	int rc = 0;

	if (!(every >= 0.2 && every <= 3600)) {
		fprintf(stderr, "espgwctl: monitor [SECONDS] (0.2 .. 3600)\n");
		return 1;
	}
	interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	while (!interrupted && rc == 0) {
		if (isatty(1))
			fputs("\033[H\033[2J", stdout);
		rc = request("show rates");
		if (rc == 0 && !interrupted) {
			struct timespec ts = { (time_t)every, (long)((every - (time_t)every) * 1e9) };
			nanosleep(&ts, NULL);
		}
	}
	sigaction(SIGINT, &old, NULL);
	return rc;
}

/* after `log follow`: every framed reply is a log line, until Ctrl-C */
static int
follow(void)
{
	struct sigaction sa = { .sa_handler = on_int }, old;
	struct timeval tv = { 0, 0 };
	int r = 0;

	interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));	/* no timeout */
	while (!interrupted && (r = read_reply()) == 0)
		;
	sigaction(SIGINT, &old, NULL);
	close(fd);			/* espgw stops sending when it sees us go */
	fd = -1;
	return interrupted ? 0 : r < 0 ? lost(-r) : r;
}

/*
 * capture ... file=FILE: espgw streams pcapng (DATA frames) after its
 * first reply; this writes them to FILE ("-": standard output, not a
 * terminal) until the last frame, which says why it ended, or Ctrl-C.
 */
static int
capture(const char *line)
{
	char req[8192] = "", *w, *save, *copy = strdup(line), *body = NULL, *data;
	const char *file = NULL;
	struct sigaction sa = { .sa_handler = on_int }, old;
	struct timeval tv = { 0, 0 };
	size_t n;
	FILE *f;
	int r;

	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(w, "file=", 5))
			file = w + 5;
		else if (strlen(req) + strlen(w) + 2 < sizeof(req))
			strcat(strcat(req, req[0] ? " " : ""), w);
	}
	if (file == NULL || file[0] == '\0' || (!strcmp(file, "-") && isatty(1))) {
		fprintf(stderr, "espgwctl: capture needs file=FILE (pcapng; file=- writes to "
			"standard output when it is a pipe)\n");
		free(copy);
		return 1;
	}
	f = !strcmp(file, "-") ? stdout : fopen(file, "w");
	if (f == NULL) {
		fprintf(stderr, "espgwctl: %s: %s\n", file, strerror(errno));
		free(copy);
		return 1;
	}
	free(copy);
	if (conn() < 0)
		return 2;
	if (!send_line(req))
		return lost(errno);
	r = read_reply_body(&body);
	if (r < 0)
		return lost(-r);
	fputs(body, stderr);
	free(body);
	if (r == 1)
		return 1;
	interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));	/* it may take a while */
	while (!interrupted && (r = read_frame(&body, &data, &n)) == 3) {
		fwrite(data, 1, n, f);
		free(data);
	}
	sigaction(SIGINT, &old, NULL);
	if (r == 0 || r == 1) {
		fputs(body, stderr);
		free(body);
	}
	if (f != stdout)
		fclose(f);
	else
		fflush(f);
	close(fd);
	fd = -1;
	return interrupted ? 0 : r < 0 ? lost(-r) : r;
}

/* a request as the user typed it: the shell's own commands, or one for espgw */
int
run(const char *line)
{
	char w1[32] = "", w2[32] = "";
	int rc;

	sscanf(line, "%31s %31s", w1, w2);
	if (!strcmp(w1, "monitor"))
		return monitor(w2[0] ? w2 : NULL);
	if (!strcmp(w1, "capture"))
		return capture(line);
	rc = request(line);
	if (rc == 0 && !strcmp(w1, "log") && !strcmp(w2, "follow"))
		return follow();
	return rc;
}

