/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: a level per subsystem (changed at run time with `espgwctl log
 * level`), lines with an ISO 8601 time to stderr, a file (--log-file) or
 * syslog (--syslog; under systemd stderr carries the priority as "<N>"
 * for journald), and a hook the management socket streams from (`log
 * follow`). Each library sets its subsystem with -DLOG_SUBSYS=...; a file
 * may set its own before including this header.
 */
#ifndef ESPGW_LOG_H
#define ESPGW_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define LOG_SUBSYSTEMS(X) X(CORE, "core") X(CONFIG, "config") X(DATAPLANE, "dataplane") \
	X(SA, "sa") X(NET, "net") X(IKE, "ike") X(RADIUS, "radius") X(MGMT, "mgmt") \
	X(DPDK, "dpdk")
enum log_subsys {
#define X(id, name) LOG_SS_##id,
	LOG_SUBSYSTEMS(X)
#undef X
	LOG_SS_MAX
};
extern const char *const log_subsys_name[LOG_SS_MAX];
extern const char *const log_level_name[4];

/* the level of every subsystem without one of its own (-v, -q) */
extern int espgw_log_level;
/* a subsystem's own level, -1: espgw_log_level's */
extern int espgw_log_sub[LOG_SS_MAX];
int log_level_of(enum log_subsys s);
int log_subsys_by_name(const char *n);
int log_level_by_name(const char *n);

enum log_target { LOG_TO_STDERR, LOG_TO_FILE, LOG_TO_SYSLOG };
/* where lines go; a file is opened for appending (and again by log_reopen) */
int log_set_target(enum log_target t, const char *path);
int log_reopen(void);
/* every line the control thread logs, also below its subsystem's level
 * when the hook asks for it (the level the hook wants, -1: none) */
extern void (*log_hook)(enum log_subsys s, enum log_level l, const char *line);
extern int log_hook_level;
/* the calling thread's lines (and only its) go to the hook: the control
 * thread calls it first thing */
void log_hook_thread(void);

void espgw_log_ss(enum log_subsys s, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void espgw_vlog(enum log_subsys s, enum log_level lvl, const char *fmt, va_list ap);

#ifndef LOG_SUBSYS
#define LOG_SUBSYS LOG_SS_CORE
#endif
#define log_err(...)   espgw_log_ss(LOG_SUBSYS, LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  espgw_log_ss(LOG_SUBSYS, LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  espgw_log_ss(LOG_SUBSYS, LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) espgw_log_ss(LOG_SUBSYS, LOG_LVL_DEBUG, __VA_ARGS__)

#endif
