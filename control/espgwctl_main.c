/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl's command line: options, keys read from files or standard
 * input, then one request (espgwctl.c) or the shell (espgwctl_shell.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/espgwctl.h"

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
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("espgwctl %s\n", ESPGW_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: espgwctl [-s SOCKET] [-t SECONDS] [--json] [COMMAND...]\n"
			       "without COMMAND: interactive shell; 'help' lists commands\n"
			       "  monitor [SECONDS]  show rates again every SECONDS (1) until Ctrl-C\n"
			       "  -V, --version     print the version\n"
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
	return run(line);
}
