/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management commands that change the gateway (SAs, policies, IKE,
 * counters, log levels) and `show ike`. mgmt.c has already matched the
 * syntax and checked that the caller may change things.
 */
#define LOG_SUBSYS LOG_SS_MGMT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config/keys.h"
#include "common/log.h"
#include "control/ctl.h"
#include "control/capture.h"
#include "control/ctrs.h"
#include "control/keyexport.h"
#include "control/ike_ctl.h"
#include "control/mgmt.h"
#include "control/mgmt_cmds.h"
#include "control/sa_mgr.h"

int
cmd_show_ike(struct mgmt_req *r)
{
	const char *what = r->argc && (!strcmp(r->argv[0], "conns") || !strcmp(r->argv[0], "stats") ||
				       !strcmp(r->argv[0], "pools")) ? r->argv[0] : NULL;
	const char *conn = r->argc && what == NULL ? r->argv[0] : NULL;
	char *out = ctl_ike_show(what, conn, r->js, r->err, r->el);

	if (out == NULL)
		return -1;
	mgmt_printf(r->b, "%s%s", out, r->js ? "\n" : "");
	free(out);
	return 0;
}

int
cmd_sa_add(struct mgmt_req *r)
{
	struct sa_desc d;
	int rc = config_parse_sa_words(r->argc, r->argv, &d, r->err, r->el);

	if (rc == 0)
		rc = ctl_sa_add(&d, r->err, r->el);
	explicit_bzero(&d, sizeof(d));
	if (rc < 0)
		return -1;
	mgmt_printf(r->b, "SA added\n");
	return 0;
}

int
cmd_sa_del(struct mgmt_req *r)
{
	if (ctl_sa_del(r->argv[0], r->err, r->el) < 0)
		return -1;
	mgmt_printf(r->b, "SA %s deleted\n", r->argv[0]);
	return 0;
}

int
cmd_policy_add(struct mgmt_req *r)
{
	struct policy_desc p;

	if (config_parse_policy_words(r->argc, r->argv, &p, r->err, r->el) < 0 ||
	    ctl_policy_add(&p, r->err, r->el) < 0)
		return -1;
	mgmt_printf(r->b, "policy added\n");
	return 0;
}

int
cmd_policy_del(struct mgmt_req *r)
{
	if (ctl_policy_del(r->argv[0], r->err, r->el) < 0)
		return -1;
	mgmt_printf(r->b, "policy %s deleted\n", r->argv[0]);
	return 0;
}

int
cmd_ike_initiate(struct mgmt_req *r)
{
	if (ctl_ike_initiate(r->argv[0], r->err, r->el) < 0)
		return -1;
	mgmt_printf(r->b, "initiating %s\n", r->argv[0]);
	return 0;
}

int
cmd_ike_terminate(struct mgmt_req *r)
{
	if (ctl_ike_terminate(r->argv[0], r->err, r->el) < 0)
		return -1;
	mgmt_printf(r->b, "terminating %s\n", r->argv[0]);
	return 0;
}

int
cmd_ike_terminate_child(struct mgmt_req *r)
{
	char *end;
	unsigned long spi = strtoul(r->argv[1], &end, 16);

	if (*end || end == r->argv[1] || spi == 0 || spi > 0xffffffffu) {
		snprintf(r->err, r->el, "usage: ike terminate CONN child SPI (hex, as show ike "
			 "gives it)");
		return -1;
	}
	if (ctl_ike_terminate_child(r->argv[0], (uint32_t)spi, r->err, r->el) < 0)
		return -1;
	mgmt_printf(r->b, "deleting CHILD_SA %08lx of %s\n", spi, r->argv[0]);
	return 0;
}

int
cmd_ike_rekey(struct mgmt_req *r)
{
	const char *what = r->argv[1];

	/* both: each is only a deadline; the engine runs one exchange at a time */
	if ((strcmp(what, "ike") && ctl_ike_rekey(r->argv[0], false, r->err, r->el) < 0) ||
	    (strcmp(what, "child") && ctl_ike_rekey(r->argv[0], true, r->err, r->el) < 0))
		return -1;
	mgmt_printf(r->b, "rekeying %s (%s)\n", r->argv[0], what);
	return 0;
}

int
cmd_ike_redirect(struct mgmt_req *r)
{
	int n = ctl_ike_redirect(r->argv[0], r->argv[1], r->err, r->el);

	if (n < 0)
		return -1;
	mgmt_printf(r->b, "redirecting %d IKE_SA%s of %s to %s\n", n, n == 1 ? "" : "s",
		    r->argv[0], r->argv[1]);
	return 0;
}

int
cmd_ike_move(struct mgmt_req *r)
{
	int n = ctl_ike_move(r->argv[0], r->argv[1], r->err, r->el);

	if (n < 0)
		return -1;
	mgmt_printf(r->b, "moving %d IKE_SA%s of %s to %s\n", n, n == 1 ? "" : "s",
		    r->argv[0], r->argv[1]);
	return 0;
}

/* clear counters [drops | SA]: a baseline; lifetimes and accounting keep
 * counting from the SA's start */
int
cmd_clear_counters(struct mgmt_req *r)
{
	ctrs_clear_all();
	mgmt_printf(r->b, "counters cleared (ports, workers, drops, SAs)\n");
	return 0;
}

int
cmd_clear_drops(struct mgmt_req *r)
{
	ctrs_clear_drops();
	mgmt_printf(r->b, "drop counters cleared\n");
	return 0;
}

int
cmd_clear_sa(struct mgmt_req *r)
{
	int id = ctl_find_sa(r->argv[0]);

	if (id < 0) {
		snprintf(r->err, r->el, "no SA %s (show sas lists them)", r->argv[0]);
		return -1;
	}
	ctrs_clear_sa((uint32_t)id);
	mgmt_printf(r->b, "counters of SA %s cleared\n", r->argv[0]);
	return 0;
}

int
cmd_log_show(struct mgmt_req *r)
{
	json_t *o = json_object();

	for (int s = 0; s < LOG_SS_MAX; s++)
		json_object_set_new(o, log_subsys_name[s],
				    json_string(log_level_name[log_level_of(s)]));
	if (r->js) {
		mgmt_json(r->b, o);
		return 0;
	}
	for (int s = 0; s < LOG_SS_MAX; s++)
		mgmt_printf(r->b, "%-10s %s%s\n", log_subsys_name[s],
			    log_level_name[log_level_of(s)],
			    espgw_log_sub[s] < 0 ? "" : " (set)");
	json_decref(o);
	return 0;
}

/* log level SUBSYSTEM|all LEVEL */
int
cmd_log_level(struct mgmt_req *r)
{
	int lvl = log_level_by_name(r->argv[1]);
	int ss = log_subsys_by_name(r->argv[0]);

	if (ss < 0 && strcmp(r->argv[0], "all")) {
		snprintf(r->err, r->el, "no log subsystem '%s' (log level lists them)",
			 r->argv[0]);
		return -1;
	}
	if (ss < 0) {
		espgw_log_level = lvl;
		for (int s = 0; s < LOG_SS_MAX; s++)
			espgw_log_sub[s] = -1;
	} else {
		espgw_log_sub[ss] = lvl;
	}
	log_info("log level of %s is now %s", r->argv[0], r->argv[1]);
	mgmt_printf(r->b, "log level of %s: %s\n", r->argv[0], r->argv[1]);
	return 0;
}

/* log follow [LEVEL]: the client receives every line the control thread
 * logs at LEVEL or more urgent, each one framed reply, until it leaves */
int
cmd_log_follow(struct mgmt_req *r)
{
	int lvl = r->argc ? log_level_by_name(r->argv[0]) : LOG_LVL_INFO;

	if (mgmt_follow(r->client, lvl) < 0) {
		snprintf(r->err, r->el, "log follow: too many followers");
		return -1;
	}
	mgmt_printf(r->b, "following the log at level %s (lines from the control thread; "
		    "Ctrl-C ends)\n", log_level_name[lvl]);
	return 0;
}

/* capture KEY=VALUE...: pcapng streamed to this client (espgwctl writes it) */
int
cmd_capture(struct mgmt_req *r)
{
	struct ctl_capture_req q;
	char msg[160];

	if (ctl_capture_parse(r->argc, r->argv, &q, r->err, r->el) < 0 ||
	    ctl_capture_start(&q, r->client, msg, sizeof(msg), r->err, r->el) < 0)
		return -1;
	mgmt_printf(r->b, "%s", msg);
	return 0;
}

int
cmd_keys(struct mgmt_req *r)
{
	return !strcmp(r->argv[0], "esp") ? ctl_keys_esp(r->who, r->b, r->err, r->el) :
					    ctl_keys_ike(r->who, r->b, r->err, r->el);
}
