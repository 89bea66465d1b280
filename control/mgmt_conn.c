/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management socket and its clients. Nothing here may block the
 * control thread, whatever a client does:
 *   - every socket is non-blocking; a reply that does not fit the
 *     socket's buffer waits in the client's own buffer, and the client's
 *     next request is not read until that reply has gone (so a client
 *     that pipelines and never reads holds at most one reply);
 *   - a reply that makes no progress for mgmt_send_timeout seconds, or a
 *     client silent (or half a line) for mgmt_idle_timeout, is dropped;
 *   - past mgmt_max_clients a new client gets "ERR" with the reason;
 *   - SO_PEERCRED tells root and mgmt_admin_group members (who may change
 *     things) from everyone else who can open the socket (show and help).
 * Wire format: one request line in, "OK <len>\n" or "ERR <len>\n" and
 * len bytes out.
 */
#define LOG_SUBSYS LOG_SS_MGMT
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/mgmt.h"

#define MAX_LINE 8192
/* the largest reply (show sas at 100k SAs is about 15 MB) */
#define MAX_REPLY (64u << 20)

int mgmt_epfd = -1;
static int lfd = -1;
static char sock_path[108];
static struct {
	unsigned max_clients, idle_timeout, send_timeout;
	gid_t admin_gid;
	bool has_admin_gid;
} lim;

struct client {
	int fd;
	struct mgmt_caller who;
	uint64_t last_ms;		/* last request read or reply byte sent */
	size_t in_len;
	char in[MAX_LINE];
	char *out;			/* reply not yet sent: out[out_off..out_len) */
	size_t out_len, out_off;
	bool closing;			/* close once out has gone */
	int follow;			/* log follow: the level it wants; -1 none */
	bool stream;			/* gets a stream (capture): never idle */
	uint64_t lost;			/* log lines not queued (out was full) */
};
/* a follower's queue: lines past this are counted, not queued */
#define FOLLOW_MAX (1u << 20)
static struct client *clients;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
mkdir_parent(const char *path)
{
	char d[108];
	char *slash;

	snprintf(d, sizeof(d), "%s", path);
	slash = strrchr(d, '/');
	if (slash == NULL || slash == d)
		return 0;
	*slash = '\0';
	if (mkdir(d, 0750) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Is a live daemon behind this path? A socket file nobody listens on is
 * stale (a crash left it) and may be replaced; a live one never is.
 */
static bool
socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool alive;

	if (fd < 0)
		return false;
	/* a full backlog (EAGAIN) is a live listener too */
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
		errno == EAGAIN;
	close(fd);
	return alive;
}

static int
resolve_group(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);

	if (g == NULL) {
		log_err("management group '%s' does not exist", name);
		return -1;
	}
	*gid = g->gr_gid;
	return 0;
}

int
mgmt_open(const struct espgw_config *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	const char *path = c->mgmt_socket;
	gid_t gid = (gid_t)-1;

	lim.max_clients = c->mgmt.max_clients;
	lim.idle_timeout = c->mgmt.idle_timeout;
	lim.send_timeout = c->mgmt.send_timeout;
	if (c->mgmt.group[0] && resolve_group(c->mgmt.group, &gid) < 0)
		return -1;
	if (c->mgmt.admin_group[0]) {
		if (resolve_group(c->mgmt.admin_group, &lim.admin_gid) < 0)
			return -1;
		lim.has_admin_gid = true;
	}
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (mkdir_parent(path) < 0) {
		log_err("cannot create directory for %s: %s", path, strerror(errno));
		return -1;
	}
	if (socket_alive(&sa)) {
		log_err("management socket %s is in use by a running espgw: stop it, or give "
			"this one another mgmt_socket (-s)", path);
		sock_path[0] = '\0';	/* never unlink the other one's socket */
		return -1;
	}
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -1;
	unlink(path);	/* stale: nobody answered on it */
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
	    chmod(path, 0660) < 0 || listen(lfd, 16) < 0) {
		log_err("management socket %s: %s", path, strerror(errno));
		return -1;
	}
	clients = calloc(lim.max_clients, sizeof(*clients));
	if (clients == NULL)
		return -1;
	for (unsigned i = 0; i < lim.max_clients; i++)
		clients[i].fd = -1, clients[i].follow = -1;
	mgmt_epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = lfd;
	return epoll_ctl(mgmt_epfd, EPOLL_CTL_ADD, lfd, &ev);
}

int mgmt_fd(void) { return lfd; }

/* the hook wants the most verbose level any follower asked for */
static void
follow_levels(void)
{
	int lvl = -1;

	for (unsigned i = 0; clients != NULL && i < lim.max_clients; i++)
		if (clients[i].fd >= 0 && clients[i].follow > lvl)
			lvl = clients[i].follow;
	log_hook_level = lvl;
}

static void (*on_close)(int fd);

void
mgmt_on_close(void (*fn)(int fd))
{
	on_close = fn;
}

static void
client_close(struct client *c, const char *why)
{
	if (why != NULL)
		log_warn("mgmt: client uid %u pid %d dropped: %s", (unsigned)c->who.uid,
			 (int)c->who.pid, why);
	epoll_ctl(mgmt_epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (on_close)
		on_close(c->fd);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = c->in_len = 0;
	c->closing = false;
	c->fd = -1;
	if (c->follow >= 0) {
		c->follow = -1;
		follow_levels();
	}
}

void
mgmt_close(void)
{
	for (unsigned i = 0; clients != NULL && i < lim.max_clients; i++)
		if (clients[i].fd >= 0)
			client_close(&clients[i], NULL);
	free(clients);
	clients = NULL;
	log_hook = NULL;
	log_hook_level = -1;
	if (lfd >= 0) {
		close(lfd);
		if (sock_path[0])
			unlink(sock_path);
	}
}

/* root, our own uid, and members of mgmt_admin_group may change things */
static bool
caller_is_admin(int fd, const struct ucred *cr)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	if (!lim.has_admin_gid)
		return false;
	if (cr->gid == lim.admin_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == lim.admin_gid)
			return true;
	return false;
}

void
mgmt_accept(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0) {
		close(fd);
		return;
	}
	for (unsigned i = 0; i < lim.max_clients; i++) {
		struct client *c = &clients[i];
		if (c->fd >= 0)
			continue;
		c->fd = fd;
		c->follow = -1;
		c->stream = false;
		c->lost = 0;
		c->who = (struct mgmt_caller){ cr.uid, cr.pid, caller_is_admin(fd, &cr) };
		c->last_ms = now_ms();
		ev.data.fd = fd;
		epoll_ctl(mgmt_epfd, EPOLL_CTL_ADD, fd, &ev);
		return;
	}
	/* full: say why (best effort, never waiting), then close */
	{
		char m[128], h[32];
		int n = snprintf(m, sizeof(m), "too many management clients (%u connected, "
				 "mgmt_max_clients); try again later\n", lim.max_clients);
		int k = snprintf(h, sizeof(h), "ERR %d\n", n);
		struct iovec iov[2] = { { h, (size_t)k }, { m, (size_t)n } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		if (sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("mgmt: refusal not sent: %s", strerror(errno));
		ctl.st.mgmt_refused++;
		close(fd);
	}
}

static struct client *
client_of(int fd)
{
	for (unsigned i = 0; clients != NULL && i < lim.max_clients; i++)
		if (clients[i].fd == fd)
			return &clients[i];
	return NULL;
}

bool
mgmt_is_client(int fd)
{
	return client_of(fd) != NULL;
}

static void
want(struct client *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = c->fd };

	epoll_ctl(mgmt_epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send what the socket takes now. -1: the client is gone. */
static int
flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			client_close(c, NULL);
			return -1;
		}
		c->out_off += (size_t)n;
		c->last_ms = now_ms();
	}
	if (c->out_off < c->out_len) {
		want(c, EPOLLOUT);	/* no more requests until this reply went */
		return 0;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	if (c->closing) {
		client_close(c, NULL);
		return -1;
	}
	want(c, EPOLLIN);
	return 0;
}

/* Append a frame ("KW <len>\n" and len bytes) to the client's output,
 * behind what is queued there (log lines, capture data). */
static void
frame(struct client *c, const char *kw, const void *p, size_t len)
{
	char hdr[32];
	int hl = snprintf(hdr, sizeof(hdr), "%s %zu\n", kw, len);
	char *o;

	if (c->out_off > 0 && c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;	/* all sent: start over */
	}
	o = realloc(c->out, c->out_len + hl + len);
	if (o == NULL) {
		client_close(c, "out of memory for a reply");
		return;
	}
	c->out = o;
	memcpy(c->out + c->out_len, hdr, hl);
	if (len)
		memcpy(c->out + c->out_len + hl, p, len);
	c->out_len += hl + len;
}

/* Frame a reply into the client's output. */
static void
reply(struct client *c, int rc, struct sbuf *b)
{
	if (b->len > MAX_REPLY) {
		rc = -1;
		b->len = 0;
		mgmt_printf(b, "reply too large (over %u MB): ask for less\n", MAX_REPLY >> 20);
	}
	frame(c, rc < 0 ? "ERR" : "OK", b->p, b->len);
}

long
mgmt_queued(int fd)
{
	struct client *c = client_of(fd);

	return c ? (long)(c->out_len - c->out_off) : -1;
}

long
mgmt_send_frame(int fd, const char *kw, const void *p, size_t len)
{
	struct client *c = client_of(fd);

	if (c == NULL)
		return -1;
	c->stream = true;
	frame(c, kw, p, len);
	if (c->fd < 0)
		return -1;
	want(c, EPOLLOUT);	/* sent from the event loop */
	return (long)(c->out_len - c->out_off);
}

/* the log hook: each follower gets the line as one framed reply */
static void
follow_line(enum log_subsys s, enum log_level l, const char *line)
{
	for (unsigned i = 0; clients != NULL && i < lim.max_clients; i++) {
		struct client *c = &clients[i];
		struct sbuf b = { 0 };
		if (c->fd < 0 || c->follow < (int)l)
			continue;
		if (c->out_len - c->out_off > FOLLOW_MAX) {
			c->lost++;
			continue;
		}
		if (c->lost)
			mgmt_printf(&b, "[%lu log lines lost: the client read too slowly]\n",
				    (unsigned long)c->lost);
		c->lost = 0;
		mgmt_printf(&b, "%s %s: %s\n", log_level_name[l], log_subsys_name[s], line);
		reply(c, 0, &b);
		free(b.p);
		if (c->fd >= 0)
			want(c, EPOLLOUT);	/* sent from the event loop, never from here */
	}
}

int
mgmt_follow(int fd, int lvl)
{
	struct client *c = client_of(fd);

	if (c == NULL)
		return -1;
	c->follow = lvl;
	log_hook = follow_line;
	follow_levels();
	return 0;
}

/* Run the complete request lines read so far, while replies drain. */
static void
run_requests(struct client *c)
{
	char *nl;

	while (c->fd >= 0 && c->out == NULL &&
	       (nl = memchr(c->in, '\n', c->in_len)) != NULL) {
		struct sbuf b = { 0 };
		char err[512] = "";
		size_t used = nl - c->in + 1;
		int rc;

		*nl = '\0';
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = '\0';
		ctl.st.mgmt_requests++;
		rc = mgmt_execute(c->in, &c->who, c->fd, &b, err, sizeof(err));
		if (rc < 0) {
			ctl.st.mgmt_errors++;
			b.len = 0;
			mgmt_printf(&b, "%s\n", err[0] ? err : "failed");
		}
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		reply(c, rc, &b);
		free(b.p);
		if (c->fd >= 0)
			flush(c);
	}
}

void
mgmt_client_event(int fd, uint32_t events)
{
	struct client *c = client_of(fd);
	ssize_t n;

	if (c == NULL)
		return;
	if (c->out != NULL && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
		if (flush(c) < 0)
			return;
		run_requests(c);	/* the ones that waited for this reply */
		return;
	}
	if (c->out != NULL)
		return;
	n = recv(fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			client_close(c, NULL);
		return;
	}
	c->in_len += (size_t)n;
	c->last_ms = now_ms();
	run_requests(c);
	if (c->fd >= 0 && c->out == NULL && c->in_len == sizeof(c->in)) {
		struct sbuf b = { 0 };
		/* say why, then hang up: the rest of that line is not a request */
		ctl.st.mgmt_dropped++;
		ctl.st.mgmt_errors++;
		log_warn("mgmt: client uid %u pid %d: request line longer than %d bytes",
			 (unsigned)c->who.uid, (int)c->who.pid, MAX_LINE);
		mgmt_printf(&b, "request line too long (max %d bytes)\n", MAX_LINE);
		c->in_len = 0;
		c->closing = true;
		reply(c, -1, &b);
		free(b.p);
		if (c->fd >= 0)
			flush(c);
	}
}

/* Once a second: drop clients that stalled a reply or went silent. */
void
mgmt_tick(void)
{
	uint64_t now = now_ms();

	for (unsigned i = 0; clients != NULL && i < lim.max_clients; i++) {
		struct client *c = &clients[i];
		if (c->fd < 0)
			continue;
		if (c->out != NULL && now - c->last_ms >= lim.send_timeout * 1000ull) {
			ctl.st.mgmt_dropped++;
			client_close(c, "reply not read within mgmt_send_timeout");
		} else if (c->out == NULL && c->follow < 0 && !c->stream &&
			   now - c->last_ms >= lim.idle_timeout * 1000ull) {
			ctl.st.mgmt_dropped++;
			client_close(c, c->in_len ? "half a request, then silence (mgmt_idle_timeout)" :
				     "idle past mgmt_idle_timeout");
		}
	}
}
