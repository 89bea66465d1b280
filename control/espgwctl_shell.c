/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl's shell: libedit (emacs keys, ~/.editrc), history in
 * ~/.espgwctl_history, and completion that asks espgw: `complete
 * w=WORD...` with the words before the cursor answers every word that may
 * come next (from its command table: commands, SA, connection and policy
 * names, log subsystems, keys), one per line. One candidate is inserted
 * (with a space, unless it is a KEY= waiting for its value); several are
 * completed to what they share, then listed; the bell rings only when
 * nothing fits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <histedit.h>

#include "control/espgwctl.h"

static const char *const shell_words[] = { "quit", "exit", "monitor", NULL };

static char *
prompt(EditLine *el)
{
	(void)el;
	return "espgw> ";
}

/* the candidates for the word being typed: a malloc'd array, NULL-ended */
static char **
candidates(const char *before, const char *typed, size_t *n)
{
	char req[8192] = "complete", *copy = strdup(before), *save, *ans = NULL;
	char **out = NULL;
	bool first = true;

	*n = 0;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		first = false;
		if (strlen(req) + strlen(t) + 4 < sizeof(req))
			strcat(strcat(req, " w="), t);
	}
	free(copy);
	if (conn() == 0 && send_line(req) && read_reply_body(&ans) == 0) {
		for (char *p = ans, *nl; p && *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (nl == NULL)
				break;
			*nl = '\0';
			if (strncmp(p, typed, strlen(typed)) == 0) {
				out = realloc(out, (*n + 2) * sizeof(*out));
				out[(*n)++] = strdup(p);
			}
		}
	}
	free(ans);
	for (int i = 0; first && shell_words[i]; i++)
		if (strncmp(shell_words[i], typed, strlen(typed)) == 0) {
			out = realloc(out, (*n + 2) * sizeof(*out));
			out[(*n)++] = strdup(shell_words[i]);
		}
	if (out)
		out[*n] = NULL;
	return out;
}

static unsigned char
complete(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	const char *start = li->cursor;
	char *before, *typed;
	char **c;
	size_t n, common;
	unsigned char rc = CC_REFRESH;

	(void)ch;
	while (start > li->buffer && start[-1] != ' ' && start[-1] != '\t')
		start--;
	before = strndup(li->buffer, (size_t)(start - li->buffer));
	typed = strndup(start, (size_t)(li->cursor - start));
	c = candidates(before, typed, &n);
	if (n == 0) {
		rc = CC_REFRESH_BEEP;	/* nothing fits: say so */
	} else if (n == 1) {
		el_insertstr(el, c[0] + strlen(typed));
		if (c[0][strlen(c[0]) - 1] != '=')
			el_insertstr(el, " ");
	} else {
		/* what they all share, then the list */
		common = strlen(c[0]);
		for (size_t i = 1; i < n; i++)
			for (size_t k = 0; k < common; k++)
				if (c[i][k] != c[0][k]) {
					common = k;
					break;
				}
		if (common > strlen(typed)) {
			char *add = strndup(c[0] + strlen(typed), common - strlen(typed));
			el_insertstr(el, add);
			free(add);
		} else {
			fputc('\n', stdout);
			for (size_t i = 0; i < n; i++)
				printf("%s%s", c[i], (i + 1) % 6 == 0 || i + 1 == n ? "\n" : "  ");
			rc = CC_REDISPLAY;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(c[i]);
	free(c);
	free(before);
	free(typed);
	return rc;
}

int
shell(void)
{
	char hist[512];
	const char *home = getenv("HOME");
	const char *line;
	EditLine *el = el_init("espgwctl", stdin, stdout, stderr);
	History *h = history_init();
	HistEvent ev;
	int len;

	if (el == NULL || h == NULL) {
		fprintf(stderr, "espgwctl: cannot start the line editor\n");
		return 2;
	}
	snprintf(hist, sizeof(hist), "%s/.espgwctl_history", home ? home : "/tmp");
	history(h, &ev, H_SETSIZE, 1000);
	history(h, &ev, H_SETUNIQUE, 1);
	history(h, &ev, H_LOAD, hist);
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_HIST, history, h);
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_ADDFN, "espgw-complete", "complete a word of an espgwctl command", complete);
	el_set(el, EL_BIND, "^I", "espgw-complete", NULL);
	el_source(el, NULL);	/* ~/.editrc */
	while ((line = el_gets(el, &len)) != NULL) {
		char *p = strndup(line, (size_t)len);
		char *q = p + strspn(p, " \t");
		q[strcspn(q, "\r\n")] = '\0';
		if (!strcmp(q, "quit") || !strcmp(q, "exit")) {
			free(p);
			break;
		}
		if (*q) {
			history(h, &ev, H_ENTER, q);
			run(q);
		}
		free(p);
	}
	history(h, &ev, H_SAVE, hist);
	history_end(h);
	el_end(el);
	return 0;
}
