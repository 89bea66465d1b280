/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/log.h"

const char *const log_subsys_name[LOG_SS_MAX] = {
#define X(id, name) name,
	LOG_SUBSYSTEMS(X)
#undef X
};
const char *const log_level_name[4] = { "err", "warn", "info", "debug" };

int espgw_log_level = LOG_LVL_INFO;
int espgw_log_sub[LOG_SS_MAX] = {
#define X(id, name) -1,
	LOG_SUBSYSTEMS(X)
#undef X
};
void (*log_hook)(enum log_subsys s, enum log_level l, const char *line);
int log_hook_level = -1;

static struct {
	enum log_target target;
	char path[4096];
	FILE *f;
	bool journal;			/* stderr is journald's: "<N>" prefixes */
	pthread_mutex_t lock;		/* several threads log (RADIUS, EAL) */
	pthread_t hook_thread;		/* the one whose lines go to the hook */
	bool hook_thread_set;
} lg = { .lock = PTHREAD_MUTEX_INITIALIZER };

void
log_hook_thread(void)
{
	lg.hook_thread = pthread_self();
	lg.hook_thread_set = true;
}

int
log_level_of(enum log_subsys s)
{
	return espgw_log_sub[s] >= 0 ? espgw_log_sub[s] : espgw_log_level;
}

int
log_subsys_by_name(const char *n)
{
	for (int i = 0; i < LOG_SS_MAX; i++)
		if (!strcmp(n, log_subsys_name[i]))
			return i;
	return -1;
}

int
log_level_by_name(const char *n)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(n, log_level_name[i]))
			return i;
	return -1;
}

static int
open_file(void)
{
	FILE *f = fopen(lg.path, "a");

	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	if (lg.f)
		fclose(lg.f);
	lg.f = f;
	return 0;
}

int
log_set_target(enum log_target t, const char *path)
{
	int rc = 0;

	pthread_mutex_lock(&lg.lock);
	lg.target = t;
	if (t == LOG_TO_FILE) {
		snprintf(lg.path, sizeof(lg.path), "%s", path);
		rc = open_file();
	} else if (t == LOG_TO_SYSLOG) {
		openlog("espgw", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
	/* systemd says stderr is the journal's (sd-daemon(3)'s "<N>" prefix) */
	lg.journal = t == LOG_TO_STDERR && getenv("JOURNAL_STREAM") != NULL;
	pthread_mutex_unlock(&lg.lock);
	return rc;
}

int
log_reopen(void)
{
	int rc = 0;

	pthread_mutex_lock(&lg.lock);
	if (lg.target == LOG_TO_FILE)
		rc = open_file();
	pthread_mutex_unlock(&lg.lock);
	return rc;
}

void
espgw_vlog(enum log_subsys s, enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "ERR", "WARN", "INFO", "DEBUG" };
	bool out = (int)lvl <= log_level_of(s);
	bool hook = log_hook && (int)lvl <= log_hook_level;
	char msg[2048], stamp[40];
	struct timespec ts;
	struct tm tm;

	if (!out && !hook)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pthread_mutex_lock(&lg.lock);
	if (out) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		if (lg.target == LOG_TO_SYSLOG)
			syslog(prio[lvl], "%s %s: %s", tag[lvl], log_subsys_name[s], msg);
		else
			fprintf(lg.target == LOG_TO_FILE && lg.f ? lg.f : stderr,
				"%s%s.%03ldZ espgw %s %s: %s\n",
				lg.journal ? (const char *[]){ "<3>", "<4>", "<6>", "<7>" }[lvl] : "",
				stamp, ts.tv_nsec / 1000000, tag[lvl], log_subsys_name[s], msg);
	}
	pthread_mutex_unlock(&lg.lock);
	/* outside the lock: the hook may log itself (a client it drops) */
	if (hook && lg.hook_thread_set && pthread_equal(pthread_self(), lg.hook_thread))
		log_hook(s, lvl, msg);
}

void
espgw_log_ss(enum log_subsys s, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	espgw_vlog(s, lvl, fmt, ap);
	va_end(ap);
}
