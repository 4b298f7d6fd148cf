/* lazycurl/lazycurl.h — libcurl, loaded when the first HTTP request is made.
 *
 * Debian's libcurl pulls in some 25 libraries (GnuTLS, Kerberos, LDAP, RTMP,
 * SSH, …). Linked at start-up they cost every cutover command ≈ 9 ms before
 * main() — a DNS switch or a route rollback that makes no HTTP request paid
 * for them all the same. This room defines libcurl's functions that
 * cutover uses; the first call loads libcurl.so.4 (dlopen) and forwards.
 * Callers include <curl/curl.h> and use libcurl as usual.
 *
 * When libcurl cannot be loaded, curl_global_init() returns
 * CURLE_FAILED_INIT, the *_init() functions return NULL, the others fail
 * with CURLE_FAILED_INIT / CURLM_INTERNAL_ERROR, and curl_easy_strerror()
 * of CURLE_FAILED_INIT says why (lazycurl_error()).
 */
#ifndef CUTOVER_LAZYCURL_LAZYCURL_H
#define CUTOVER_LAZYCURL_LAZYCURL_H

#include <stdbool.h>

/* Loads libcurl now if not yet done; false when it cannot be loaded. */
bool lazycurl_load(void);

/* Why libcurl could not be loaded ("" while it could, or was not tried). */
const char *lazycurl_error(void);

#endif
