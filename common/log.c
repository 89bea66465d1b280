/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <time.h>

#include "common/log.h"

int espgw_log_level = LOG_LVL_INFO;

void
espgw_log(enum log_level lvl, const char *fmt, ...)
{
	static const char *const tag[] = { "ERR", "WARN", "INFO", "DEBUG" };
	struct timespec ts;
	va_list ap;

	if ((int)lvl > espgw_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%ld.%03ld espgw %s: ", (long)ts.tv_sec,
		ts.tv_nsec / 1000000, tag[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
