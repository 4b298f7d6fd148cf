/* lazycurl/lazycurl.c — libcurl's functions, forwarded to libcurl.so.4
 * loaded on first use (see lazycurl.h for why).
 */
#define CURL_DISABLE_TYPECHECK /* this file defines curl_easy_setopt itself */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "lazycurl.h"

#define LIBCURL_SONAME "libcurl.so.4"

static struct {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	const char *(*multi_strerror)(CURLMcode);
} fn;

/* POSIX's way to store what dlsym returns into a function pointer. */
#define SYM(field, name) { name, (void **)&fn.field }
static const struct {
	const char *name;
	void **slot;
} syms[] = {
	SYM(global_init, "curl_global_init"),
	SYM(global_cleanup, "curl_global_cleanup"),
	SYM(easy_init, "curl_easy_init"),
	SYM(easy_setopt, "curl_easy_setopt"),
	SYM(easy_perform, "curl_easy_perform"),
	SYM(easy_getinfo, "curl_easy_getinfo"),
	SYM(easy_cleanup, "curl_easy_cleanup"),
	SYM(easy_strerror, "curl_easy_strerror"),
	SYM(slist_append, "curl_slist_append"),
	SYM(slist_free_all, "curl_slist_free_all"),
	SYM(multi_init, "curl_multi_init"),
	SYM(multi_setopt, "curl_multi_setopt"),
	SYM(multi_add_handle, "curl_multi_add_handle"),
	SYM(multi_remove_handle, "curl_multi_remove_handle"),
	SYM(multi_perform, "curl_multi_perform"),
	SYM(multi_poll, "curl_multi_poll"),
	SYM(multi_info_read, "curl_multi_info_read"),
	SYM(multi_cleanup, "curl_multi_cleanup"),
	SYM(multi_strerror, "curl_multi_strerror"),
};
#undef SYM

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;
static char why[256];

/* The handle is never closed: libcurl stays for the life of the process,
 * as if it had been linked. */
static void load(void)
{
	void *h = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		snprintf(why, sizeof(why), "cannot load %s (%s): install Debian's libcurl4",
			 LIBCURL_SONAME, dlerror());
		return;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(why, sizeof(why), "%s has no %s: libcurl 7.66 or later is needed",
				 LIBCURL_SONAME, syms[i].name);
			return;
		}
	}
	loaded = true;
}

bool lazycurl_load(void)
{
	pthread_once(&once, load);
	return loaded;
}

const char *lazycurl_error(void)
{
	return why;
}

CURLcode curl_global_init(long flags)
{
	return lazycurl_load() ? fn.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
	if (lazycurl_load())
		fn.global_cleanup();
}

CURL *curl_easy_init(void)
{
	return lazycurl_load() ? fn.easy_init() : NULL;
}

/* libcurl reads the one argument by the option's type range; so does this. */
CURLcode curl_easy_setopt(CURL *e, CURLoption opt, ...)
{
	CURLcode r;
	va_list ap;

	if (!lazycurl_load())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = fn.easy_setopt(e, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = fn.easy_setopt(e, opt, va_arg(ap, void *)); /* objects, functions */
	else if (opt < CURLOPTTYPE_BLOB)
		r = fn.easy_setopt(e, opt, va_arg(ap, curl_off_t));
	else
		r = fn.easy_setopt(e, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_perform(CURL *e)
{
	return lazycurl_load() ? fn.easy_perform(e) : CURLE_FAILED_INIT;
}

CURLcode curl_easy_getinfo(CURL *e, CURLINFO info, ...)
{
	CURLcode r;
	va_list ap;

	if (!lazycurl_load())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = fn.easy_getinfo(e, info, va_arg(ap, void *)); /* always a pointer */
	va_end(ap);
	return r;
}

void curl_easy_cleanup(CURL *e)
{
	if (lazycurl_load())
		fn.easy_cleanup(e);
}

const char *curl_easy_strerror(CURLcode code)
{
	return lazycurl_load() ? fn.easy_strerror(code) : why;
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	return lazycurl_load() ? fn.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (lazycurl_load())
		fn.slist_free_all(list);
}

CURLM *curl_multi_init(void)
{
	return lazycurl_load() ? fn.multi_init() : NULL;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	CURLMcode r;
	va_list ap;

	if (!lazycurl_load())
		return CURLM_INTERNAL_ERROR;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = fn.multi_setopt(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = fn.multi_setopt(m, opt, va_arg(ap, void *));
	else
		r = fn.multi_setopt(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return r;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *e)
{
	return lazycurl_load() ? fn.multi_add_handle(m, e) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *e)
{
	return lazycurl_load() ? fn.multi_remove_handle(m, e) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	return lazycurl_load() ? fn.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms,
			  int *ret)
{
	return lazycurl_load() ? fn.multi_poll(m, extra, n, timeout_ms, ret)
			       : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	return lazycurl_load() ? fn.multi_info_read(m, left) : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return lazycurl_load() ? fn.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

const char *curl_multi_strerror(CURLMcode code)
{
	return lazycurl_load() ? fn.multi_strerror(code) : why;
}
