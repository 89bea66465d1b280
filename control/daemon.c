/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pid file, systemd notifications and DPDK's log stream. The pid file
 * is locked (flock) for the daemon's life: a second espgw with the same
 * file is refused with the first one's pid, and a stale file (its process
 * gone, so no lock) is taken over.
 */
#define LOG_SUBSYS LOG_SS_CORE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <rte_log.h>
#include <systemd/sd-daemon.h>

#include "common/log.h"
#include "control/daemon.h"

static int pid_fd = -1;
static char pid_path[4096];

int
daemon_pidfile(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0) {
		log_err("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_err("espgw is already running (pid %s holds %s): stop it first, or give "
			"this one another --pid-file and mgmt_socket", buf[0] ? buf : "?", path);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		log_err("pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	pid_fd = fd;
	snprintf(pid_path, sizeof(pid_path), "%s", path);
	return 0;
}

void
daemon_pidfile_remove(void)
{
	if (pid_fd < 0)
		return;
	unlink(pid_path);
	close(pid_fd);
	pid_fd = -1;
}

void
daemon_notify(const char *state)
{
	sd_notify(0, state);
}

void
daemon_notifyf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
}

/* DPDK writes a line at a time (then flushes): each becomes one of ours */
static ssize_t
dpdk_write(void *cookie, const char *buf, size_t len)
{
	static const enum log_level map[] = {
		[RTE_LOG_EMERG] = LOG_LVL_ERR, [RTE_LOG_ALERT] = LOG_LVL_ERR,
		[RTE_LOG_CRIT] = LOG_LVL_ERR, [RTE_LOG_ERR] = LOG_LVL_ERR,
		[RTE_LOG_WARNING] = LOG_LVL_WARN, [RTE_LOG_NOTICE] = LOG_LVL_INFO,
		[RTE_LOG_INFO] = LOG_LVL_INFO, [RTE_LOG_DEBUG] = LOG_LVL_DEBUG,
	};
	int l = rte_log_cur_msg_loglevel();
	enum log_level lvl = l > 0 && l <= (int)RTE_LOG_DEBUG ? map[l] : LOG_LVL_INFO;
	size_t off = 0;

	(void)cookie;
	while (off < len) {
		size_t k = 0;
		while (off + k < len && buf[off + k] != '\n')
			k++;
		if (k > 0)
			espgw_log_ss(LOG_SS_DPDK, lvl, "%.*s", (int)k, buf + off);
		off += k + 1;
	}
	return (ssize_t)len;
}

int
daemon_dpdk_log(void)
{
	cookie_io_functions_t io = { .write = dpdk_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOFBF, 4096);	/* rte_vlog flushes after each line */
	return rte_openlog_stream(f);
}
