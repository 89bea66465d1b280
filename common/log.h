/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ESPGW_LOG_H
#define ESPGW_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern int espgw_log_level;

void espgw_log(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)   espgw_log(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  espgw_log(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  espgw_log(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) espgw_log(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
