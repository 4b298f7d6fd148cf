#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cut_err_clear(struct cut_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
	err->hint[0] = '\0';
}

int cut_errf(struct cut_err *err, int code, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	return code;
}

void cut_err_prefix(struct cut_err *err, const char *fmt, ...)
{
	char prefix[512];
	char old[CUT_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
}

static const struct {
	int code;
	const char *text;
	int exit;
} codes[] = {
	{ CUT_EUSAGE, "bad usage", CUT_EXIT_INPUT },
	{ CUT_EINPUT, "bad input", CUT_EXIT_INPUT },
	{ CUT_EUNSAFE, "refused as unsafe", CUT_EXIT_UNSAFE },
	{ CUT_ECONFLICT, "not as the plan expects", CUT_EXIT_UNSAFE },
	{ CUT_EHEALTH, "health gate failed", CUT_EXIT_HEALTH },
	{ CUT_EPEER, "refused by the peer", CUT_EXIT_FAILED },
	{ CUT_ETIMEOUT, "timed out", CUT_EXIT_FAILED },
	{ CUT_ECORRUPT, "journal damaged", CUT_EXIT_INPUT },
	{ CUT_ELOCKED, "journal in use", CUT_EXIT_FAILED },
	{ CUT_EPERM_FILE, "secret file readable by others", CUT_EXIT_UNSAFE },
	{ CUT_ELIMIT, "limit exceeded", CUT_EXIT_INPUT },
	{ CUT_EPARTIAL, "partly applied", CUT_EXIT_FAILED },
	{ CUT_EVERIFY, "verification failed", CUT_EXIT_FAILED },
	{ CUT_EINTERNAL, "internal error", CUT_EXIT_FAILED },
	{ CUT_EMISSING, "missing library", CUT_EXIT_INPUT },
};

const char *cut_strerror(int code)
{
	size_t i;

	if (code == 0)
		return "success";
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].text;
	if (code < 0 && code > -CUT_EBASE)
		return strerror(-code);
	return "unknown error";
}

int cut_exit_code(int code)
{
	size_t i;

	if (code == 0)
		return CUT_EXIT_OK;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].exit;
	return CUT_EXIT_FAILED; /* -errno: the system refused */
}
