/* core/error.h — the one way cutover reports errors.
 *
 * A function that can fail returns 0 or a negative code: -errno, or one of
 * the project codes below (all under -1000). The detail — where (file:line:col,
 * record, server), what went wrong and what to do — travels in a struct
 * cut_err the caller passes down. Library code never prints: the CLI prints
 * the error once, with its hint, and maps its code to an exit status.
 *
 * Secrets never go into a cut_err: format names of keys and files, never
 * their contents.
 */
#ifndef CUTOVER_CORE_ERROR_H
#define CUTOVER_CORE_ERROR_H

#include <stddef.h>

#define CUT_MUST_CHECK __attribute__((warn_unused_result))
#define CUT_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum cut_code {
	CUT_OK = 0,
	CUT_EBASE = 1000,
	CUT_EUSAGE = -1001,    /* bad command line */
	CUT_EINPUT = -1002,    /* bad plan, template, key file */
	CUT_EUNSAFE = -1003,   /* refused as unsafe without an explicit override */
	CUT_ECONFLICT = -1004, /* compare-and-swap: the world is not as the plan says */
	CUT_EHEALTH = -1005,   /* a health gate failed */
	CUT_EPEER = -1006,     /* a server, API or the kernel refused */
	CUT_ETIMEOUT = -1007,  /* a peer did not answer in time */
	CUT_ECORRUPT = -1008,  /* a journal is damaged */
	CUT_ELOCKED = -1009,   /* another process holds the journal */
	CUT_EPERM_FILE = -1010,/* a secret file others can read */
	CUT_ELIMIT = -1011,    /* a size or count limit was passed */
	CUT_EPARTIAL = -1012,  /* some steps were applied, some not */
	CUT_EVERIFY = -1013,   /* read-back did not match */
	CUT_EINTERNAL = -1014, /* a bug in cutover */
	CUT_EMISSING = -1015,  /* a library cutover loads when needed is missing (libcurl) */
};

/* Exit statuses, stable: scripts depend on them (docs/exit-codes.md). */
enum cut_exit {
	CUT_EXIT_OK = 0,
	CUT_EXIT_FAILED = 1,   /* an operation failed; the journal can roll back */
	CUT_EXIT_INPUT = 2,    /* bad usage or bad input */
	CUT_EXIT_UNSAFE = 3,   /* refused as unsafe without an explicit override */
	CUT_EXIT_HEALTH = 4,   /* a health gate failed */
};

#define CUT_ERR_MSG_MAX 2048
#define CUT_ERR_HINT_MAX 512

struct cut_err {
	int code;                      /* 0 when no error was set */
	char msg[CUT_ERR_MSG_MAX];     /* what and where */
	char hint[CUT_ERR_HINT_MAX];   /* what to do; may be empty */
};

/* Clears an error object. */
void cut_err_clear(struct cut_err *err);

/* Sets *err (when err is not NULL) and returns code, so a caller can write
 * `return cut_errf(err, CUT_EINPUT, "run chmod 600 %s", "…", …);`.
 * hint may be NULL. The message is a printf format. */
int cut_errf(struct cut_err *err, int code, const char *hint, const char *fmt, ...)
	CUT_PRINTF(4, 5);

/* Puts "prefix: " in front of an error already set, keeping code and hint,
 * for a caller that knows more context (the server, the record). */
void cut_err_prefix(struct cut_err *err, const char *fmt, ...) CUT_PRINTF(2, 3);

/* Text for a code: project codes and -errno alike. Never NULL. */
const char *cut_strerror(int code);

/* The documented exit status for an error code. */
int cut_exit_code(int code);

#endif
