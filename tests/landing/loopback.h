/* tests/landing/loopback.h — what the landing tests' small HTTP servers
 * share: a listening TCP socket on 127.0.0.1, on a port the kernel picks. */
#ifndef CUTOVER_TESTS_LANDING_LOOPBACK_H
#define CUTOVER_TESTS_LANDING_LOOPBACK_H

/* Returns the listening socket and sets *port, or -1 (errno set). */
int loopback_listen(unsigned short *port);

#endif
