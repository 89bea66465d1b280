/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS client (radius.h): radcli on a thread of its own. The control
 * thread queues a job (radius_eap) and goes on; the thread sends the
 * Access-Request (User-Name, the EAP packet as EAP-Message attributes of
 * at most 253 bytes, Message-Authenticator, the last State, NAS and
 * station ids), waits out radcli's timeouts and retries, and queues the
 * answer: Access-Challenge (EAP-Message and State), Access-Accept (the MSK
 * from MS-MPPE-Recv-Key and MS-MPPE-Send-Key, RFC 2548 2.4, decrypted with
 * the secret and the request's authenticator; Framed-IP-Address as the
 * peer's virtual IP), Access-Reject, or nothing (a reject). Accounting
 * requests (acct.c) go the same way, their answers only counted. radius_poll hands the answers to the IKE engine.
 */
#define LOG_SUBSYS LOG_SS_RADIUS
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <radcli/radcli.h>

#include "common/log.h"
#include "control/mppe.h"
#include "control/radius.h"

#define MS_MPPE_SEND_KEY 16
#define MS_MPPE_RECV_KEY 17

/* the two Microsoft attributes radcli's dictionary leaves commented out */
static const char ms_dict[] =
	"VENDOR Microsoft 311\n"
	"ATTRIBUTE MS-MPPE-Send-Key 16 string Microsoft\n"
	"ATTRIBUTE MS-MPPE-Recv-Key 17 string Microsoft\n";

struct job {
	struct job *next;
	struct radius_acct *acct;	/* an Accounting-Request, else EAP */
	uint64_t spi_i, spi_r;
	char user[USER_NAME_LEN];
	char calling[IP_ADDR_STRLEN], called[IP_ADDR_STRLEN];
	uint8_t *eap;			/* the peer's packet; then the server's */
	size_t eap_len;
	uint8_t state[253];
	size_t state_len;
	/* the answer */
	enum ike_aaa_code code;
	uint8_t msk[64];
	size_t msk_len;
	char ruser[USER_NAME_LEN];
	struct ip_addr framed;		/* Framed-IP-Address (family 0: none) */
};

static struct {
	pthread_t thread;
	bool running, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, *todo_tail, *done;
	rc_handle *rh;
	struct radius_desc d;
	struct radius_stats st;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void
job_free(struct job *j)
{
	if (j) {
		free(j->eap);
		free(j->acct);
		OPENSSL_cleanse(j, sizeof(*j));
		free(j);
	}
}

/* all attributes of one type, concatenated in order: their length */
static size_t
gather(VALUE_PAIR *vp, int attr, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (vp = rc_avpair_get(vp, attr, 0); vp; vp = rc_avpair_get(vp->next, attr, 0)) {
		char *p;
		unsigned len;
		if (rc_avpair_get_raw(vp, &p, &len) < 0 || n + len > cap)
			return 0;
		memcpy(out + n, p, len);
		n += len;
	}
	return n;
}

/* the MSK of an Access-Accept: Recv-Key then Send-Key (as RFC 5216 2.3 orders them) */
static void
accept_msk(struct job *j, VALUE_PAIR *recv, RC_AAA_CTX *ctx)
{
	VALUE_PAIR *r = rc_avpair_get(recv, MS_MPPE_RECV_KEY, VENDOR_MICROSOFT);
	VALUE_PAIR *s = rc_avpair_get(recv, MS_MPPE_SEND_KEY, VENDOR_MICROSOFT);
	char *rv, *sv;
	unsigned rl, sl;
	int a, b;

	j->msk_len = 0;
	if (r == NULL || s == NULL || rc_avpair_get_raw(r, &rv, &rl) < 0 ||
	    rc_avpair_get_raw(s, &sv, &sl) < 0)
		return;
	a = radius_mppe_key((uint8_t *)rv, rl, rc_aaa_ctx_get_secret(ctx), rc_aaa_ctx_get_vector(ctx),
		     j->msk, 32);
	b = a < 0 ? -1 : radius_mppe_key((uint8_t *)sv, sl, rc_aaa_ctx_get_secret(ctx),
				  rc_aaa_ctx_get_vector(ctx), j->msk + a, sizeof(j->msk) - (size_t)a);
	if (a > 0 && b > 0)
		j->msk_len = (size_t)(a + b);
}

/* one Access-Request and its answer (the thread, unlocked) */
static void
ask(struct job *j)
{
	VALUE_PAIR *send = NULL, *recv = NULL;
	RC_AAA_CTX *ctx = NULL;
	uint32_t port_type = PW_VIRTUAL, service = PW_FRAMED;
	uint8_t eap[4096];
	char msg[PW_MAX_MSG_SIZE];
	int rc = ERROR_RC;
	size_t n;

	j->code = IKE_AAA_REJECT;
	if (rc_avpair_add(R.rh, &send, PW_USER_NAME, j->user, -1, 0) == NULL)
		goto out;
	for (size_t off = 0; off < j->eap_len; off += 253)
		if (rc_avpair_add(R.rh, &send, PW_EAP_MESSAGE, j->eap + off,
				  (int)(j->eap_len - off < 253 ? j->eap_len - off : 253), 0) == NULL)
			goto out;
	if (/*MA*/0 ||
	    (j->state_len && rc_avpair_add(R.rh, &send, PW_STATE, j->state, (int)j->state_len,
					   0) == NULL) ||
	    rc_avpair_add(R.rh, &send, PW_NAS_PORT_TYPE, &port_type, 0, 0) == NULL ||
	    rc_avpair_add(R.rh, &send, PW_SERVICE_TYPE, &service, 0, 0) == NULL ||
	    rc_avpair_add(R.rh, &send, PW_CALLING_STATION_ID, j->calling, -1, 0) == NULL ||
	    rc_avpair_add(R.rh, &send, PW_CALLED_STATION_ID, j->called, -1, 0) == NULL ||
	    rc_avpair_add(R.rh, &send, PW_NAS_IDENTIFIER, R.d.nas_identifier, -1, 0) == NULL)
		goto out;
	rc = rc_aaa_ctx(R.rh, &ctx, 0, send, &recv, msg, 0, PW_ACCESS_REQUEST);
	free(j->eap);
	j->eap = NULL;
	j->eap_len = 0;
	n = gather(recv, PW_EAP_MESSAGE, eap, sizeof(eap));
	if (n && (j->eap = malloc(n)) != NULL) {
		memcpy(j->eap, eap, n);
		j->eap_len = n;
	}
	j->state_len = gather(recv, PW_STATE, j->state, sizeof(j->state));
	if (rc == CHALLENGE_RC) {
		j->code = IKE_AAA_CHALLENGE;
	} else if (rc == OK_RC) {
		VALUE_PAIR *u = rc_avpair_get(recv, PW_USER_NAME, 0);
		char *p;
		unsigned l;
		VALUE_PAIR *f = rc_avpair_get(recv, PW_FRAMED_IP_ADDRESS, 0);
		uint32_t ip;
		accept_msk(j, recv, ctx);
		j->code = IKE_AAA_ACCEPT;
		/* RFC 2865 5.8: 255.255.255.254 and .255 leave the choice to us */
		if (f && rc_avpair_get_uint32(f, &ip) == 0 && ip < 0xfffffffeu && ip != 0) {
			j->framed.family = AF_INET;
			j->framed.a[0] = (uint8_t)(ip >> 24);
			j->framed.a[1] = (uint8_t)(ip >> 16);
			j->framed.a[2] = (uint8_t)(ip >> 8);
			j->framed.a[3] = (uint8_t)ip;
		}
		if (u && rc_avpair_get_raw(u, &p, &l) == 0 && l > 0 && l < sizeof(j->ruser)) {
			memcpy(j->ruser, p, l);
			j->ruser[l] = '\0';
		}
	}
out:
	pthread_mutex_lock(&R.mu);
	R.st.accepts += rc == OK_RC;
	R.st.challenges += rc == CHALLENGE_RC;
	R.st.rejects += rc == REJECT_RC;
	R.st.timeouts += rc == TIMEOUT_RC;
	R.st.errors += rc != OK_RC && rc != CHALLENGE_RC && rc != REJECT_RC && rc != TIMEOUT_RC;
	pthread_mutex_unlock(&R.mu);
	if (rc == TIMEOUT_RC)
		log_warn("radius: no answer from the server for user '%s'", j->user);
	else if (rc != OK_RC && rc != CHALLENGE_RC && rc != REJECT_RC)
		log_warn("radius: request for user '%s' failed (%d)", j->user, rc);
	if (ctx)
		rc_aaa_ctx_free(ctx);
	rc_avpair_free(send);
	rc_avpair_free(recv);
	OPENSSL_cleanse(eap, sizeof(eap));
}

/* one Accounting-Request (the thread, unlocked); 64-bit counts in gigawords */
static void
account(const struct radius_acct *a)
{
	VALUE_PAIR *send = NULL;
	uint32_t v[11] = {
		a->type, PW_VIRTUAL, (uint32_t)a->in_bytes, (uint32_t)(a->in_bytes >> 32),
		(uint32_t)a->out_bytes, (uint32_t)(a->out_bytes >> 32),
		(uint32_t)(a->in_pkts > UINT32_MAX ? UINT32_MAX : a->in_pkts),
		(uint32_t)(a->out_pkts > UINT32_MAX ? UINT32_MAX : a->out_pkts), a->seconds,
		a->cause, 1 /* Acct-Authentic: RADIUS */,
	};
	static const int attr[11] = {
		PW_ACCT_STATUS_TYPE, PW_NAS_PORT_TYPE, PW_ACCT_INPUT_OCTETS,
		PW_ACCT_INPUT_GIGAWORDS, PW_ACCT_OUTPUT_OCTETS, PW_ACCT_OUTPUT_GIGAWORDS,
		PW_ACCT_INPUT_PACKETS, PW_ACCT_OUTPUT_PACKETS, PW_ACCT_SESSION_TIME,
		PW_ACCT_TERMINATE_CAUSE, PW_ACCT_AUTHENTIC,
	};
	bool ok = rc_avpair_add(R.rh, &send, PW_USER_NAME, a->user, -1, 0) &&
		  rc_avpair_add(R.rh, &send, PW_ACCT_SESSION_ID, a->session_id, -1, 0) &&
		  rc_avpair_add(R.rh, &send, PW_CALLING_STATION_ID, a->calling, -1, 0) &&
		  rc_avpair_add(R.rh, &send, PW_CALLED_STATION_ID, a->called, -1, 0) &&
		  rc_avpair_add(R.rh, &send, PW_NAS_IDENTIFIER, R.d.nas_identifier, -1, 0);
	int rc;

	for (int i = 0; i < 11 && ok; i++) {
		/* a start has no counts; only a stop has a cause */
		if ((a->type == RADIUS_ACCT_START && i >= 2 && i <= 8) ||
		    (a->type != RADIUS_ACCT_STOP && i == 9))
			continue;
		ok = rc_avpair_add(R.rh, &send, attr[i], &v[i], 0, 0) != NULL;
	}
	if (ok && a->vip.family == AF_INET) {
		uint32_t ip = (uint32_t)a->vip.a[0] << 24 | a->vip.a[1] << 16 | a->vip.a[2] << 8 |
			      a->vip.a[3];
		ok = rc_avpair_add(R.rh, &send, PW_FRAMED_IP_ADDRESS, &ip, 0, 0) != NULL;
	}
	rc = ok ? rc_acct(R.rh, 0, send) : ERROR_RC;
	rc_avpair_free(send);
	pthread_mutex_lock(&R.mu);
	R.st.acct_sent += rc == OK_RC;
	R.st.acct_failed += rc != OK_RC;
	pthread_mutex_unlock(&R.mu);
	if (rc != OK_RC)
		log_warn("radius: accounting %s for session %s of '%s' not answered (%d)",
			 a->type == RADIUS_ACCT_START ? "start" :
			 a->type == RADIUS_ACCT_STOP ? "stop" : "update", a->session_id, a->user, rc);
}

static void *
worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&R.mu);
	while (!R.stop) {
		struct job *j = R.todo;
		if (j == NULL) {
			pthread_cond_wait(&R.cv, &R.mu);
			continue;
		}
		R.todo = j->next;
		if (R.todo == NULL)
			R.todo_tail = NULL;
		pthread_mutex_unlock(&R.mu);
		if (j->acct) {
			account(j->acct);
			job_free(j);
			pthread_mutex_lock(&R.mu);
			continue;
		}
		ask(j);
		pthread_mutex_lock(&R.mu);
		j->next = R.done;
		R.done = j;
	}
	pthread_mutex_unlock(&R.mu);
	return NULL;
}

void
radius_stop(void)
{
	if (R.running) {
		pthread_mutex_lock(&R.mu);
		R.stop = true;
		pthread_cond_signal(&R.cv);
		pthread_mutex_unlock(&R.mu);
		pthread_join(R.thread, NULL);
		R.running = false;
	}
	while (R.todo) {
		struct job *j = R.todo;
		R.todo = j->next;
		job_free(j);
	}
	R.todo_tail = NULL;
	while (R.done) {
		struct job *j = R.done;
		R.done = j->next;
		job_free(j);
	}
	if (R.rh) {
		rc_destroy(R.rh);
		R.rh = NULL;
	}
	OPENSSL_cleanse(&R.d, sizeof(R.d));
}

static int
cfg(const char *k, const char *v, char *err, size_t el)
{
	if (rc_add_config(R.rh, k, v, "espgw", 0) != 0) {
		snprintf(err, el, "radius: radcli refuses %s", k);
		return -1;
	}
	return 0;
}

int
radius_configure(const struct radius_desc *d, char *err, size_t el)
{
	char a[IP_ADDR_STRLEN], srv[IP_ADDR_STRLEN + 160], acct[sizeof(srv)], t[16], r[16];

	if (R.running && !memcmp(d, &R.d, sizeof(*d)))
		return 0;
	radius_stop();
	if (d->server.family == 0)
		return 0;
	ip_addr_fmt(&d->server, a, sizeof(a));
	/* radcli: host:port:secret, an IPv6 host in brackets */
	snprintf(srv, sizeof(srv), d->server.family == AF_INET6 ? "[%s]:%u:%s" : "%s:%u:%s", a,
		 d->port, d->secret);
	snprintf(acct, sizeof(acct), d->server.family == AF_INET6 ? "[%s]:%u:%s" : "%s:%u:%s", a,
		 d->acct_port, d->secret);
	snprintf(t, sizeof(t), "%u", d->timeout);
	snprintf(r, sizeof(r), "%u", d->retries);
	R.rh = rc_new();
	if (R.rh == NULL || (R.rh = rc_config_init(R.rh)) == NULL) {
		snprintf(err, el, "radius: radcli cannot start");
		return -1;
	}
	if (cfg("auth_order", "radius", err, el) < 0 || cfg("authserver", srv, err, el) < 0 ||
	    cfg("acctserver", acct, err, el) < 0 || cfg("radius_timeout", t, err, el) < 0 ||
	    cfg("radius_retries", r, err, el) < 0 || cfg("bindaddr", "*", err, el) < 0 ||
	    cfg("dictionary", "/etc/radcli/dictionary", err, el) < 0 ||
	    cfg("radius_deadtime", "0", err, el) < 0 || rc_apply_config(R.rh) != 0 ||
	    rc_read_dictionary(R.rh, "/etc/radcli/dictionary") != 0 ||
	    rc_read_dictionary_from_buffer(R.rh, ms_dict, sizeof(ms_dict) - 1) != 0) {
		if (!err[0] || strncmp(err, "radius:", 7))
			snprintf(err, el, "radius: radcli's configuration or dictionary "
				 "(/etc/radcli/dictionary) failed");
		OPENSSL_cleanse(srv, sizeof(srv));
		OPENSSL_cleanse(acct, sizeof(acct));
		radius_stop();
		return -1;
	}
	OPENSSL_cleanse(srv, sizeof(srv));
	OPENSSL_cleanse(acct, sizeof(acct));
	R.d = *d;
	R.stop = false;
	if (pthread_create(&R.thread, NULL, worker, NULL) != 0) {
		snprintf(err, el, "radius: no thread");
		radius_stop();
		return -1;
	}
	R.running = true;
	log_info("radius: server %s port %u (accounting %u)", a, d->port, d->acct_port);
	return 0;
}

static void
enqueue(struct job *j)
{
	pthread_mutex_lock(&R.mu);
	if (R.todo_tail)
		R.todo_tail->next = j;
	else
		R.todo = j;
	R.todo_tail = j;
	pthread_cond_signal(&R.cv);
	pthread_mutex_unlock(&R.mu);
}

bool
radius_acct_on(unsigned *interim)
{
	*interim = R.d.interim;
	return R.running && R.d.accounting;
}

int
radius_accounting(const struct radius_acct *a)
{
	struct job *j = R.running ? calloc(1, sizeof(*j)) : NULL;

	if (j == NULL || (j->acct = malloc(sizeof(*a))) == NULL) {
		free(j);
		return -1;
	}
	*j->acct = *a;
	enqueue(j);
	return 0;
}

int
radius_eap(const struct ike_aaa_req *q)
{
	struct job *j = R.running ? calloc(1, sizeof(*j)) : NULL;

	if (j == NULL || (j->eap = malloc(q->eap_len)) == NULL) {
		free(j);
		return -1;
	}
	j->spi_i = q->spi_i;
	j->spi_r = q->spi_r;
	snprintf(j->user, sizeof(j->user), "%s", q->identity);
	ip_addr_fmt(&q->remote.addr, j->calling, sizeof(j->calling));
	ip_addr_fmt(&q->local.addr, j->called, sizeof(j->called));
	memcpy(j->eap, q->eap, q->eap_len);
	j->eap_len = q->eap_len;
	if (q->state_len && q->state_len <= sizeof(j->state)) {
		memcpy(j->state, q->state, q->state_len);
		j->state_len = q->state_len;
	}
	pthread_mutex_lock(&R.mu);
	R.st.requests++;
	pthread_mutex_unlock(&R.mu);
	enqueue(j);
	return 0;
}

void
radius_poll(void (*fn)(uint64_t spi_i, uint64_t spi_r, const struct ike_aaa_result *r))
{
	struct job *list;

	/* never wait on the thread: try again next time */
	if (__atomic_load_n(&R.done, __ATOMIC_ACQUIRE) == NULL || pthread_mutex_trylock(&R.mu) != 0)
		return;
	list = R.done;
	R.done = NULL;
	pthread_mutex_unlock(&R.mu);
	while (list) {
		struct job *j = list;
		struct ike_aaa_result r = {
			.code = j->code, .eap = j->eap, .eap_len = j->eap_len,
			.state = j->state, .state_len = j->state_len,
			.msk = j->msk_len ? j->msk : NULL, .msk_len = j->msk_len,
			.user = j->ruser[0] ? j->ruser : NULL, .framed = j->framed,
		};
		list = j->next;
		fn(j->spi_i, j->spi_r, &r);
		job_free(j);
	}
}

void
radius_get_stats(struct radius_stats *s)
{
	pthread_mutex_lock(&R.mu);
	*s = R.st;
	pthread_mutex_unlock(&R.mu);
}
