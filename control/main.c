/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgw: the daemon. The main lcore is the control thread: an epoll loop
 * over the management socket and a timerfd; between events it drains the
 * workers' event and punt rings.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_debug.h>
#include <rte_eal.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/capture.h"
#include "control/ctrs.h"
#include "control/daemon.h"
#include "control/ike_ctl.h"
#include "control/msgs.h"
#include "control/punt.h"
#include "control/sa_mgr.h"
#include "control/telemetry.h"
#include "control/ike/ike.h"
#include "control/mgmt.h"

volatile int ctl_stop;

/* a crash leaves its stack in the log, then dies as it would have */
static void
on_crash(int sig)
{
	fprintf(stderr, "espgw: fatal signal %d\n", sig);
	rte_dump_stack();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
on_signal(int sig)
{
	(void)sig;
	ctl_stop = 1;
}

/* SIGHUP: reload the configuration file, as operators expect */
static volatile sig_atomic_t reload_req;
static void
on_hup(int sig)
{
	(void)sig;
	reload_req = 1;
}

static void
reload_on_hup(void)
{
	struct sbuf b = { 0 };
	char err[512] = "";

	reload_req = 0;
	daemon_notify("RELOADING=1");
	if (log_reopen() < 0)	/* after logrotate moved it */
		log_err("cannot reopen the log file");
	log_info("SIGHUP: reloading the configuration");
	if (mgmt_reload(NULL, &b, err, sizeof(err)) < 0) {
		log_err("SIGHUP reload failed, nothing changed: %s", err);
		daemon_notifyf("READY=1\nSTATUS=reload failed, running the previous "
			       "configuration: %.400s", err);
	} else {
		log_info("%.*s", (int)(b.len && b.p[b.len - 1] == '\n' ? b.len - 1 : b.len), b.p);
		daemon_notifyf("READY=1\nSTATUS=%.*s", (int)(b.len && b.p[b.len - 1] == '\n' ?
							     b.len - 1 : b.len), b.p);
	}
	free(b.p);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: espgw [-c FILE] [--check-config FILE] [-s SOCKET] [--pid-file FILE]\n"
		"             [--log-file FILE | --syslog] [-v] [-q] [-V]\n"
		"  -c, --config FILE        configuration (default: built-in demo)\n"
		"      --check-config FILE  validate FILE and exit (0 = good)\n"
		"      --print-default      print the built-in configuration\n"
		"      --print-keys SECTION the keys of a section (top, eal, ike, ports, routes,\n"
		"                           neighbours, sas, policies, connections, users,\n"
		"                           pools, radius) as a markdown table\n"
		"  -s, --socket PATH        management socket (overrides the file)\n"
		"      --pid-file FILE      write our pid there, locked: a second espgw\n"
		"                           with the same file is refused\n"
		"      --log-file FILE      log there (appending; reopened on SIGHUP)\n"
		"      --syslog             log to syslog (daemon facility)\n"
		"  -v / -q                  more / less logging\n"
		"  -V, --version            print the version\n"
		"signals: SIGHUP reloads the configuration (and reopens the log file),\n"
		"SIGTERM and SIGINT stop espgw\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "print-default", no_argument, NULL, 'P' },
		{ "print-keys", required_argument, NULL, 'K' },
		{ "socket", required_argument, NULL, 's' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "log-file", required_argument, NULL, 'L' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *sock = NULL, *pidfile = NULL;
	struct espgw_config *c;
	char err[512];
	int opt, tfd, rc = 1;

	log_hook_thread();	/* this is the control thread */
	while ((opt = getopt_long(argc, argv, "c:s:vqhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'C':
			c = config_load_file(optarg, err, sizeof(err));
			if (c == NULL) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			if (ctl_ike_check(c, err, sizeof(err)) < 0) {
				fprintf(stderr, "%s: %s\n", optarg, err);
				config_free(c);
				return 1;
			}
			mgmt_warn_secrets_mode(optarg, c);
			printf("%s: OK (%u ports, %u routes, %u policies, %u SAs, %u connections)\n",
			       optarg, c->n_ports, c->n_routes, c->n_policies, c->n_sas, c->n_conns);
			config_free(c);
			return 0;
		case 'P':
			fputs(config_default_yaml, stdout);
			return 0;
		case 'K':
			if (config_print_keys(optarg, stdout) < 0) {
				fprintf(stderr, "espgw: no configuration section '%s'\n", optarg);
				return 2;
			}
			return 0;
		case 's':
			sock = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'L':
			if (log_set_target(LOG_TO_FILE, optarg) < 0) {
				fprintf(stderr, "espgw: cannot open log file %s: %m\n", optarg);
				return 1;
			}
			break;
		case 'S':
			log_set_target(LOG_TO_SYSLOG, NULL);
			break;
		case 'V':
			printf("espgw %s\n", ESPGW_VERSION);
			return 0;
		case 'v':
			espgw_log_level++;
			break;
		case 'q':
			espgw_log_level--;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	c = cfg_path ? config_load_file(cfg_path, err, sizeof(err)) :
		       config_load_string(config_default_yaml, "<built-in>", err,
					  sizeof(err));
	if (c == NULL) {
		log_err("%s", err);
		return 1;
	}
	if (sock != NULL)
		snprintf(c->mgmt_socket, sizeof(c->mgmt_socket), "%s", sock);
	mgmt_set_reload_path(cfg_path);
	mgmt_warn_secrets_mode(cfg_path, c);

	/* before EAL: a second instance must not touch the first one's socket */
	if (pidfile && daemon_pidfile(pidfile) < 0)
		return 1;
	if (mgmt_open(c) < 0) {
		daemon_pidfile_remove();
		return 1;
	}
	daemon_dpdk_log();
	if (dp_init(c, argv[0]) < 0) {
		mgmt_close();
		daemon_pidfile_remove();
		return 1;
	}
	if (ctl_init_tables(c, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	ctl_telemetry_init();
	ctl_telemetry_show_init(c->mgmt_socket);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa = { .sa_handler = on_hup };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
	}
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGABRT, on_crash);
	if (dp_start() < 0) {
		log_err("cannot start workers");
		return 1;
	}
	/* the running config is applied like any reload, from an empty state */
	if (ctl_apply(c, err, sizeof(err)) < 0) {
		log_err("%s", err);
		ctl_stop = 1;
	} else {
		log_info("espgw %s up: %u ports, %u workers, %u SAs, %u policies; "
			 "management socket %s", ESPGW_VERSION, c->n_ports, c->workers,
			 c->n_sas, c->n_policies, c->mgmt_socket);
		daemon_notifyf("READY=1\nSTATUS=up: %u ports, %u workers, %u SAs, %u "
			       "connections", c->n_ports, c->workers, c->n_sas, c->n_conns);
		rc = 0;
		if (ctl_ike_sync(NULL, c, err, sizeof(err)) < 0) {
			log_err("%s", err);
			ctl_stop = 1;
			rc = 1;
		}
		/* ask for the routes' gateways now, not on the first packet */
		for (unsigned i = 0; i < c->n_routes; i++)
			if (c->routes[i].via.family)
				ctl_resolve(config_find_port(c, c->routes[i].port),
					    c->routes[i].via.family, c->routes[i].via.a);
	}

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	{
		struct itimerspec its = { { 1, 0 }, { 1, 0 } };
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = tfd };
		timerfd_settime(tfd, 0, &its, NULL);
		epoll_ctl(mgmt_epfd, EPOLL_CTL_ADD, tfd, &ev);
	}
	while (!ctl_stop) {
		struct epoll_event ev[16];
		/*
		 * 1 ms: punts (ARP, ping) and acks are drained at least this
		 * often. An eventfd kick from workers would make it event-driven;
		 * the control core is not a worker core, so this costs little.
		 */
		int n = epoll_wait(mgmt_epfd, ev, 16, 1);
		uint64_t t0 = ctl_clock_ns();
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			if (fd == mgmt_fd()) {
				mgmt_accept();
			} else if (fd == tfd) {
				uint64_t x;
				/* the once-a-second work of each module */
				if (read(tfd, &x, sizeof(x)) > 0) {
					ctl_neigh_expire();
					ctl_sa_tick();
					mgmt_tick();
					ctrs_tick();
				}
			} else {
				mgmt_client_event(fd, ev[i].events);
			}
		}
		ctl_poll_rings();
		ctl_punt_poll();
		ctl_ike_timer();
		ctl_capture_poll();
		if (reload_req)
			reload_on_hup();
		ctl_loop_stall(ctl_clock_ns() - t0);
	}
	log_info("shutting down");
	daemon_notify("STOPPING=1");
	/* the peers hear that the SAs are gone: the Deletes leave through the
	 * workers, still running, while the rings are served a moment longer */
	ctl_capture_stop_all();
	ctl_ike_goodbye();
	for (uint64_t until = ctl_clock_ns() + 200000000ull; ctl_clock_ns() < until;) {
		ctl_poll_rings();
		ctl_punt_poll();
		ctl_ike_timer();
		usleep(1000);
	}
	ctl_ike_fini();
	ctl_quit();
	dp_stop();
	mgmt_close();
	rte_eal_cleanup();
	daemon_pidfile_remove();
	return rc;
}
