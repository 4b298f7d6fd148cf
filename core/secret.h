/* core/secret.h — the one loader for key and credential files.
 *
 * Refuses a file that its group or others can read (as OpenSSH refuses an
 * unprotected private key), naming the file and the `chmod 600` fix. Key
 * material lives only in structs from here and is wiped before it is freed.
 * Nothing here ever formats a secret into a message: errors name the file,
 * the line and the key's name.
 */
#ifndef CUTOVER_CORE_SECRET_H
#define CUTOVER_CORE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define SECRET_FILE_MAX (64u << 10)
#define TSIG_SECRET_MAX 128 /* decoded bytes; hmac-sha512 keys are 64 */

/* Checks that path is a regular file not readable or writable by group or
 * others. 0, -errno (cannot stat), or CUT_EPERM_FILE. */
int secret_check_mode(const char *path, struct cut_err *err) CUT_MUST_CHECK;

/* Reads a whole secret file after the mode check; strips one trailing
 * newline. The caller releases it with secret_buf_free. */
struct secret_buf {
	unsigned char *data;
	size_t len;
};
int secret_read_file(const char *path, struct secret_buf *ret, struct cut_err *err) CUT_MUST_CHECK;
void secret_buf_free(struct secret_buf *b);
/* Writes key material to a new file, mode 0600, synced with its folder;
 * never replaces a file (EEXIST, unless it holds the same key). */
int secret_write_file(const char *path, const struct secret_buf *b,
		      struct cut_err *err) CUT_MUST_CHECK;
/* Copies key material (at most SECRET_FILE_MAX bytes, else false) into a
 * buffer secret_buf_free releases. */
bool secret_buf_set(struct secret_buf *b, const void *data, size_t len);

/* A TSIG key as BIND's tsig-keygen writes it:
 *     key "name" { algorithm hmac-sha256; secret "base64"; };
 */
struct tsig_key {
	char name[256];      /* the key's name, as in the file (no trailing dot) */
	char algorithm[32];  /* "hmac-sha256", … lower case */
	unsigned char secret[TSIG_SECRET_MAX];
	size_t secret_len;
};

/* Loads the key called name (or the only/first key when name is NULL) from a
 * BIND key file, after the mode check. Parse errors say file:line. */
int tsig_key_load(const char *path, const char *name, struct tsig_key **ret,
		  struct cut_err *err) CUT_MUST_CHECK;

/* Parses key file text (no mode check; for tests and fuzzing). */
int tsig_key_parse(const char *file, const char *text, size_t len, const char *name,
		   struct tsig_key **ret, struct cut_err *err) CUT_MUST_CHECK;

/* Wipes and frees; NULL-safe. */
void tsig_key_free(struct tsig_key *k);

#endif
