/* netplan/np_sender.c — a thread that hands ops to the kernel as the caller
 * makes them ready.
 *
 * The switch journals a table while the kernel applies the one before: the
 * caller's thread prepares ops and moves one watermark, ops [0, ready) may
 * leave; the sender owns the netlink socket meanwhile and the results of the
 * ops it sent. The ops array must not move while the sender runs.
 * (Decoding a rollback's tables while the kernel applies the ones before was
 * tried the same way: no gain measurable, the dump of the kernel's routes
 * ends later than the decoding — docs/routes.md.)
 */
#include "np.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct np_sender {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const struct step_ctx *ctx;
	struct np_conn *c;
	struct np_op *ops;
	const struct np_state *st;
	size_t ready;            /* ops [0, ready) may be sent */
	bool closed;             /* no more will be ready */
	bool stopped;            /* the sender stopped: the kernel refused, or I/O failed */
	int r;                   /* its outcome */
	struct cut_err err;
};

static void *sender_main(void *arg)
{
	struct np_sender *s = arg;
	size_t sent = 0, upto;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (sent == s->ready && !s->closed)
			pthread_cond_wait(&s->cond, &s->lock);
		upto = s->ready;
		pthread_mutex_unlock(&s->lock);
		if (sent == upto)
			break; /* closed, all sent */
		s->r = np_ops_send(s->ctx, s->c, s->ops + sent, upto - sent, s->st, false, &s->err);
		sent = upto;
		if (s->r < 0)
			break;
	}
	pthread_mutex_lock(&s->lock);
	s->stopped = s->r < 0;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int np_sender_start(const struct step_ctx *ctx, struct np_conn *c, struct np_op *ops,
		    const struct np_state *st, struct np_sender **ret, struct cut_err *err)
{
	struct np_sender *s = xcalloc(1, sizeof(*s));
	int rs;

	*s = (struct np_sender){ .ctx = ctx, .c = c, .ops = ops, .st = st };
	cut_err_clear(&s->err);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	rs = pthread_create(&s->thread, NULL, sender_main, s);
	if (rs == 0) {
		*ret = s;
		return 0;
	}
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
	*ret = NULL;
	return cut_errf(err, -rs, NULL, "%s: cannot start a thread: %s", np_conn_host(c),
			strerror(rs));
}

bool np_sender_offer(struct np_sender *s, size_t ready)
{
	bool go;

	pthread_mutex_lock(&s->lock);
	s->ready = ready;
	go = !s->stopped;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return go;
}

int np_sender_finish(struct np_sender *s, struct cut_err *err)
{
	int r;

	pthread_mutex_lock(&s->lock);
	s->closed = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	r = s->r;
	if (r < 0)
		*err = s->err;
	free(s);
	return r;
}
