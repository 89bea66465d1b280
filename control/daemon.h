/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a daemon owes its service manager (daemon.c): a pid file that also
 * refuses a second instance, readiness and reload notifications to systemd
 * (Type=notify), and DPDK's own log lines routed through espgw's logger.
 */
#ifndef ESPGW_DAEMON_H
#define ESPGW_DAEMON_H

/* create and lock path with our pid; -1 (logged) when another process holds it */
int daemon_pidfile(const char *path);
void daemon_pidfile_remove(void);
/* sd_notify(3): "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..." (no-op
 * outside systemd) */
void daemon_notify(const char *state);
void daemon_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* DPDK's rte_log lines go to espgw's logger (subsystem dpdk), with levels */
int daemon_dpdk_log(void);

#endif
