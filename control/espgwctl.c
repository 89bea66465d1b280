/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl: the management CLI. With a command it runs it once; without
 * one it opens a shell with line editing, history and completion.
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

#include <editline/readline.h>

static const char *sock_path = "/run/espgw/espgw.sock";
static int fd = -1;
static double timeout_s = 10;

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

static int
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

/* 0, or the errno of the failure (0 bytes read: EPIPE) */
static int
read_n(char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
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

/* Read one framed reply and print it: 0 OK, 1 ERR, -errno when none came. */
static int
read_reply(void)
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
	fputs(body, is_err ? stderr : stdout);
	free(body);
	return is_err;
}

static bool
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

/*
 * Keys never go on the command line (every user can read it in /proc):
 * key=@FILE and auth_key=@FILE read the value from a file, key=- from
 * standard input (one line each, in order). The value travels only over
 * the management socket.
 */
static int
secret_word(const char *w, char *out, size_t cap)
{
	const char *eq = strchr(w, '=');
	char val[1024];
	size_t n;

	if (eq == NULL || !(!strncmp(w, "key=", 4) || !strncmp(w, "auth_key=", 9) ||
			    !strncmp(w, "psk=", 4)) ||
	    (eq[1] != '@' && strcmp(eq + 1, "-") != 0)) {
		snprintf(out, cap, "%s", w);
		return 0;
	}
	if (eq[1] == '@') {
		FILE *f = fopen(eq + 2, "r");
		if (f == NULL || fgets(val, sizeof(val), f) == NULL) {
			fprintf(stderr, "espgwctl: cannot read %.*s from %s: %s\n",
				(int)(eq - w), w, eq + 2, f ? "empty file" : strerror(errno));
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
	} else if (fgets(val, sizeof(val), stdin) == NULL) {
		fprintf(stderr, "espgwctl: %.*s=- but nothing on standard input\n",
			(int)(eq - w), w);
		return -1;
	}
	n = strcspn(val, "\r\n");
	val[n] = '\0';
	if (n == 0 || strpbrk(val, " \t")) {
		fprintf(stderr, "espgwctl: %.*s: the value must be one word\n", (int)(eq - w), w);
		return -1;
	}
	snprintf(out, cap, "%.*s%s", (int)(eq - w + 1), w, val);
	explicit_bzero(val, sizeof(val));
	return 0;
}

static const char *const words[] = {
	"show", "version", "ports", "workers", "policies", "sas", "counters",
	"drops", "stats", "sa", "policy", "add", "del", "reload", "help", "--json",
	"all", "quit", "ike", "conns", "initiate", "terminate", "rekey", "child", "pools", "redirect", "move", NULL,
};

static char *
gen(const char *text, int state)
{
	static int i;
	static size_t len;

	if (state == 0) {
		i = 0;
		len = strlen(text);
	}
	while (words[i] != NULL) {
		const char *w = words[i++];
		if (strncmp(w, text, len) == 0)
			return strdup(w);
	}
	return NULL;
}

static char **
complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	return rl_completion_matches(text, gen);
}

static int
shell(void)
{
	char *line;
	char hist[512];
	const char *home = getenv("HOME");

	snprintf(hist, sizeof(hist), "%s/.espgwctl_history", home ? home : "/tmp");
	rl_attempted_completion_function = complete;
	using_history();
	read_history(hist);
	while ((line = readline("espgw> ")) != NULL) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (!strcmp(p, "quit") || !strcmp(p, "exit")) {
			free(line);
			break;
		}
		if (*p) {
			add_history(p);
			request(p);
		}
		free(line);
	}
	write_history(hist);
	return 0;
}

int
main(int argc, char **argv)
{
	char line[8192];
	size_t off = 0;
	int i = 1;
	int json = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--socket")) &&
		    i + 1 < argc) {
			sock_path = argv[++i];
		} else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = 1;
		} else if ((!strcmp(argv[i], "-t") || !strcmp(argv[i], "--timeout")) &&
			   i + 1 < argc) {
			char *end;
			timeout_s = strtod(argv[++i], &end);
			if (*end || !(timeout_s > 0 && timeout_s <= 86400)) {
				fprintf(stderr, "espgwctl: --timeout takes seconds (0 < s <= 86400)\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: espgwctl [-s SOCKET] [-t SECONDS] [--json] [COMMAND...]\n"
			       "without COMMAND: interactive shell; 'help' lists commands\n"
			       "  -t, --timeout S   wait at most S seconds for espgw (default 10)\n"
			       "  key=@FILE, auth_key=@FILE, key=-   read a key from a file or stdin\n");
			return 0;
		} else {
			fprintf(stderr, "espgwctl: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (i == argc && json) {
		fprintf(stderr, "espgwctl: --json needs a command (e.g. espgwctl --json show sas)\n");
		return 2;
	}
	if (i == argc)
		return shell();
	for (; i < argc; i++) {
		char word[2048];
		int n;
		if (secret_word(argv[i], word, sizeof(word)) < 0)
			return 2;
		n = snprintf(line + off, sizeof(line) - off, "%s%s", off ? " " : "", word);
		explicit_bzero(word, sizeof(word));
		if (n < 0 || (size_t)n >= sizeof(line) - off) {
			fprintf(stderr, "espgwctl: command too long\n");
			return 2;
		}
		off += n;
	}
	if (json && off + 8 < sizeof(line))
		strcat(line, " --json");
	return request(line);
}
