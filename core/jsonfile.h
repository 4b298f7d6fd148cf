/* core/jsonfile.h — JSON files read with the place of every value.
 *
 * jansson gives a line and column only for the first syntax error and
 * forgets where values stood. Plan files and templates need both: every
 * syntax error of a file (the reader recovers and goes on), and the
 * line:col of any value a later check finds wrong. So this reader parses
 * the text itself, builds an ordinary jansson tree, and keeps the text so
 * that the first jsonfile_where() can build a table from each value's JSON
 * path (`dns.records[12].to[0]`) to its position — a file without errors
 * never pays for it.
 */
#ifndef CUTOVER_CORE_JSONFILE_H
#define CUTOVER_CORE_JSONFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "error.h"
#include "json_plain.h"

#define JSONFILE_MAX_BYTES (16u << 20)
#define JSONFILE_MAX_DEPTH 64
#define JSONFILE_PATH_MAX 512

struct jsonfile {
	char *name;   /* the file name as given, for messages */
	json_t *root; /* NULL when nothing usable could be read */
};

/* Reads and parses a file. Syntax errors go to d (all of them; a partial
 * tree is still returned when possible). Returns 0, or a negative code when
 * the file cannot be read at all (then *err says why and *ret is NULL). */
int jsonfile_load(const char *path, struct jsonfile **ret, struct diags *d,
		  struct cut_err *err) CUT_MUST_CHECK;

/* Parses text already in memory; name is used in messages. Never fails
 * outright: errors go to d. */
struct jsonfile *jsonfile_parse(const char *name, const char *text, size_t len, struct diags *d);

/* The same, leaving as text every array whose path matches one of defer
 * (NULL-terminated; "[*]" matches any index, as in "routes.hosts[*].routes")
 * and which is plain JSON (json_plain.h): the tree holds an empty array in
 * its place, and jsonfile_deferred() gives its text. An array that is not
 * plain is read as usual. Messages and positions are the same either way. */
int jsonfile_load_deferring(const char *path, const char *const defer[], struct jsonfile **ret,
			    struct diags *d, struct cut_err *err) CUT_MUST_CHECK;
struct jsonfile *jsonfile_parse_deferring(const char *name, const char *text, size_t len,
					  const char *const defer[], struct diags *d);

/* When v is an array left as text, true, its text in *ret and its number of
 * elements in *count (when not NULL). */
bool jsonfile_deferred(const struct jsonfile *jf, const json_t *v, struct json_plain *ret,
		       size_t *count);

/* The same reader for JSON that machines wrote, read in bulk (journal
 * records): text[0..len) need not end in a NUL; the value, or NULL at any
 * error (no positions, no messages). */
json_t *json_parse_strict(const char *text, size_t len);

/* json_stringn(), faster for plain ASCII (the usual journal and plan text):
 * jansson's UTF-8 check runs only where a byte is not ASCII. NULL for text
 * that is not UTF-8 or holds a NUL. */
json_t *json_text(const char *s, size_t n);

void jsonfile_free(struct jsonfile *jf);

/* Position of the value at path, or of its nearest ancestor that has one.
 * With key=true, the position of the member's key where there is one. */
void jsonfile_where(const struct jsonfile *jf, const char *path, bool key, unsigned *line,
		    unsigned *col);

/* Path helpers: "parent.key" (or "key" at the top) and "parent[i]". */
void json_path_key(char *buf, size_t len, const char *parent, const char *key);
void json_path_index(char *buf, size_t len, const char *parent, size_t i);

#endif
