/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl: the management CLI. With a command it runs it once; without
 * one it opens a shell with line editing, history and completion.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <editline/readline.h>

static const char *sock_path = "/run/espgw/espgw.sock";
static int fd = -1;

static int
conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (fd >= 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "espgwctl: cannot connect to %s: %s\n", sock_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		return -1;
	}
	return 0;
}

static int
read_n(char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

/* Send one request; print the reply. Returns 0 OK, 1 ERR, 2 transport. */
static int
request(const char *line)
{
	char hdr[32];
	size_t i = 0, len;
	char *body;
	int is_err;

	if (strchr(line, '\n')) {
		fprintf(stderr, "espgwctl: a request is one line\n");
		return 1;
	}
	if (conn() < 0)
		return 2;
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0)
		goto lost;
	while (i < sizeof(hdr) - 1) {
		if (read(fd, hdr + i, 1) != 1)
			goto lost;
		if (hdr[i++] == '\n')
			break;
	}
	hdr[i] = '\0';
	if (sscanf(hdr, "OK %zu", &len) == 1)
		is_err = 0;
	else if (sscanf(hdr, "ERR %zu", &len) == 1)
		is_err = 1;
	else
		goto lost;
	if (len > (64u << 20))
		goto lost;
	body = malloc(len + 1);
	if (body == NULL || read_n(body, len) < 0) {
		free(body);
		goto lost;
	}
	body[len] = '\0';
	fputs(body, is_err ? stderr : stdout);
	free(body);
	return is_err;
lost:
	fprintf(stderr, "espgwctl: connection to espgw lost\n");
	close(fd);
	fd = -1;
	return 2;
}

static const char *const words[] = {
	"show", "version", "ports", "workers", "policies", "sas", "counters",
	"drops", "stats", "sa", "policy", "add", "del", "reload", "help", "--json",
	"all", "quit", "ike", "conns", "initiate", "terminate", "rekey", "child", NULL,
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
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: espgwctl [-s SOCKET] [--json] [COMMAND...]\n"
			       "without COMMAND: interactive shell; 'help' lists commands\n");
			return 0;
		} else {
			fprintf(stderr, "espgwctl: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (i == argc)
		return shell();
	for (; i < argc; i++) {
		int n = snprintf(line + off, sizeof(line) - off, "%s%s", off ? " " : "",
				 argv[i]);
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
