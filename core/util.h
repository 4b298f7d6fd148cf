/* core/util.h — small helpers every room uses: memory, strings, files, time.
 *
 * Allocation failure is fatal (as in Redis): x*alloc print "out of memory"
 * and abort, so callers need no OOM paths for small objects.
 */
#ifndef CUTOVER_CORE_UTIL_H
#define CUTOVER_CORE_UTIL_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) CUT_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) CUT_PRINTF(1, 0);
/* Frees *dst and sets it to the formatted text, or to NULL when fmt is NULL
 * (a result's message: "ok" carries none). */
void replace_text(char **dst, const char *fmt, va_list ap) CUT_PRINTF(2, 0);

/* The error for a file the user named that open(2) refused with errnum: a
 * wrong path or permissions (ENOENT, EACCES, EISDIR, ...) is bad input
 * (CUT_EINPUT, exit 2: fix the command line or the plan); anything else
 * (EIO, EMFILE) stays -errnum, a failure of the system. */
int open_failure(int errnum);

/* Reads a whole file (at most max bytes, else CUT_ELIMIT) into a NUL-terminated
 * buffer the caller frees. A file that cannot be opened: see open_failure. */
int read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len,
	      struct cut_err *err) CUT_MUST_CHECK;

/* write(2) until done, retrying EINTR; 0 or -errno. */
int write_all(int fd, const void *buf, size_t len) CUT_MUST_CHECK;
/* fsyncs the folder that holds path: a new file's name is durable only
 * then. 0 or -errno. */
int fsync_folder_of(const char *path) CUT_MUST_CHECK;

/* Parses "250ms", "30s", "5m", "2h", "1d" or a bare number of seconds into
 * milliseconds. 0 or -EINVAL. */
int parse_duration_ms(const char *s, int64_t *ret_ms) CUT_MUST_CHECK;

/* Formats milliseconds as "2 s", "5 min", "1 h 30 min". */
void format_duration(int64_t ms, char *buf, size_t len);

/* Parses a whole decimal integer in [min, max]. 0 or -EINVAL / -ERANGE. */
int parse_int(const char *s, long long min, long long max, long long *ret) CUT_MUST_CHECK;

int64_t now_realtime_ms(void);
int64_t now_monotonic_ms(void);

/* "2026-11-22T03:14:15Z" for a realtime ms value. */
void format_utc(int64_t ms, char *buf, size_t len);

/* "user@host" of the calling process, for journals and locks. */
void user_at_host(char *buf, size_t len);

/* A path relative to base's directory (absolute paths are returned as is). */
char *path_relative_to(const char *base_file, const char *path);

/* The length of s, or of its longest start of at most max bytes that ends
 * on a UTF-8 character boundary: "%.*s" with it never cuts a character in
 * two (s is UTF-8, as text from a plan is). */
size_t utf8_cut(const char *s, size_t max);
/* Makes s valid UTF-8 in place, for text from servers or cut by snprintf:
 * a character cut at the end is dropped, any other byte that does not
 * belong to a valid character becomes '?'. */
void utf8_fix(char *s);

/* Edit distance, for "did you mean" hints. */
size_t edit_distance(const char *a, const char *b);

/* Wipes memory the compiler may not optimise away, then frees it. */
void freezero(void *p, size_t len);

/* Whether a command frees what it built before it exits (1 in sanitizer
 * builds, set by meson). Otherwise the kernel takes a process's memory back
 * at once: freeing a 10,000-record switch first took ~45 ms, most of it glibc
 * coalescing chunks and OpenSSL freeing its tables at exit. Commands guard
 * the free of their result with it; cli/main.c ends the process. */
#ifndef CUT_FREE_AT_EXIT
#define CUT_FREE_AT_EXIT 0
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* True when none of the 8 bytes of w needs an escape in a JSON string
 * (below 0x20, '"' or '\\'): the has-less-than and has-zero-byte bit tricks,
 * which never miss a byte (they may flag a clean word, which the caller then
 * checks byte by byte). Bytes of UTF-8 sequences (>= 0x80) pass. Lets JSON
 * writers and readers step over plain text a word at a time. */
static inline bool json_unescaped8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t ctl = (w - ones * 0x20) & ~w & highs;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	q = (q - ones) & ~q & highs;
	b = (b - ones) & ~b & highs;
	return !(ctl | q | b);
}

#endif
