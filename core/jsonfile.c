#include "jsonfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_arena.h"
#include "util.h"

/* The position table: every value's JSON path -> where it stands. A plan of
 * 10,000 records has ~70,000 entries, so they live in two flat arrays (the
 * entries and one buffer of their paths) with an open-addressing index, not
 * in jansson objects. Positions are read only when a check reports an
 * error, so the table is built then, by reading the kept text once more
 * (the reader is deterministic: same paths, same places); a plan without
 * errors never builds it. Only jsonfile.c sees it: struct jsonfile is the
 * first member of struct jsonfile_impl. */
struct pos_entry {
	size_t path_off;  /* into paths */
	size_t path_len;
	unsigned line, col, kline, kcol;
};

struct pos_table {
	struct pos_entry *e;
	size_t n, cap;
	char *paths;
	size_t paths_len, paths_cap;
	size_t *slot;     /* entry index + 1, 0 = free; nslots is a power of two */
	size_t nslots;
};

/* An array left as text: the empty array in the tree (a reference of its
 * own: a key given twice drops the first value, and its address must not
 * come back for another) and where it stands. */
struct deferred {
	json_t *v;
	size_t off, len;
	size_t count;     /* its elements */
};

struct jsonfile_impl {
	struct jsonfile pub;
	char *text;       /* owned: the file's text, for building pos */
	size_t len;
	bool pos_built;
	struct pos_table pos;
	struct deferred *deferred;
	size_t ndeferred;
};

static size_t path_hash(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32));
}

/* The slot holding path, or the free slot where it would go. */
static size_t *pos_slot(const struct pos_table *t, const char *path, size_t len)
{
	size_t mask = t->nslots - 1, i = path_hash(path, len) & mask;

	for (;; i = (i + 1) & mask) {
		const struct pos_entry *e;
		if (!t->slot[i])
			return &t->slot[i];
		e = &t->e[t->slot[i] - 1];
		if (e->path_len == len && memcmp(t->paths + e->path_off, path, len) == 0)
			return &t->slot[i];
	}
}

static void pos_grow_index(struct pos_table *t)
{
	size_t i;

	free(t->slot);
	t->nslots = t->nslots ? t->nslots * 2 : 1024;
	t->slot = xcalloc(t->nslots, sizeof(*t->slot));
	for (i = 0; i < t->n; i++)
		*pos_slot(t, t->paths + t->e[i].path_off, t->e[i].path_len) = i + 1;
}

/* Sets path's position; a second value at the same path (a key that
 * appears twice) replaces the first, as the value itself does. */
static void pos_set(struct pos_table *t, const char *path, unsigned line, unsigned col,
		    unsigned kline, unsigned kcol)
{
	size_t len = strlen(path), *slot;
	struct pos_entry *e;

	if ((t->n + 1) * 2 > t->nslots)
		pos_grow_index(t);
	slot = pos_slot(t, path, len);
	if (!*slot) {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 256;
			t->e = xrealloc(t->e, t->cap * sizeof(*t->e));
		}
		if (!t->paths || t->paths_len + len > t->paths_cap) {
			t->paths_cap = (t->paths_len + len) * 2 + 4096;
			t->paths = xrealloc(t->paths, t->paths_cap);
		}
		memcpy(t->paths + t->paths_len, path, len);
		t->e[t->n] = (struct pos_entry){ .path_off = t->paths_len, .path_len = len };
		t->paths_len += len;
		*slot = ++t->n;
	}
	e = &t->e[*slot - 1];
	e->line = line;
	e->col = col;
	e->kline = kline;
	e->kcol = kcol;
}

static const struct pos_entry *pos_get(const struct pos_table *t, const char *path)
{
	size_t *slot;

	if (!t->nslots)
		return NULL;
	slot = pos_slot(t, path, strlen(path));
	return *slot ? &t->e[*slot - 1] : NULL;
}

static void pos_free(struct pos_table *t)
{
	free(t->e);
	free(t->paths);
	free(t->slot);
}

struct reader {
	const char *s;
	size_t len, i;
	unsigned line, col;
	int depth;
	const char *name;
	struct diags *d;
	struct pos_table *pos; /* NULL: positions are not recorded */
	const char *const *defer;     /* path patterns of arrays to leave as text */
	struct jsonfile_impl *impl;   /* where they are recorded */
	char path[JSONFILE_PATH_MAX];
	/* Decoded strings go on a stack, not into a malloc each: a key stays
	 * there while its value is read, then both are popped. Offsets, not
	 * pointers: the stack moves as it grows. read_text() frees it. */
	char *stack;
	size_t top, cap;
};

static void syntax_error(struct reader *r, unsigned line, unsigned col, const char *fix,
			 const char *fmt, ...) CUT_PRINTF(5, 6);

static void syntax_error(struct reader *r, unsigned line, unsigned col, const char *fix,
			 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(r->d, 0, r->name, line, col, r->path, fix, "%s", msg);
}

static int at_end(const struct reader *r)
{
	return r->i >= r->len;
}

static char peek(const struct reader *r)
{
	return at_end(r) ? '\0' : r->s[r->i];
}

static void advance(struct reader *r)
{
	if (at_end(r))
		return;
	if (r->s[r->i] == '\n') {
		r->line++;
		r->col = 1;
	} else {
		r->col++;
	}
	r->i++;
}

static void skip_ws(struct reader *r)
{
	while (!at_end(r)) {
		char c = peek(r);
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		advance(r);
	}
}

/* Skips a string token without decoding it (for recovery). */
static void skip_string(struct reader *r)
{
	advance(r);
	while (!at_end(r) && peek(r) != '"' && peek(r) != '\n') {
		if (peek(r) == '\\')
			advance(r);
		advance(r);
	}
	advance(r);
}

/* Recovery: skips to the next ',', '}' or ']' that belongs to the current
 * container, stepping over nested containers and strings. */
static void sync_to_separator(struct reader *r)
{
	int nest = 0;

	while (!at_end(r)) {
		char c = peek(r);
		if (c == '"') {
			skip_string(r);
			continue;
		}
		if (c == '{' || c == '[')
			nest++;
		else if ((c == '}' || c == ']') && nest-- == 0)
			return;
		else if (c == ',' && nest == 0)
			return;
		advance(r);
	}
}

static void record_pos(struct reader *r, unsigned line, unsigned col, unsigned kline,
		       unsigned kcol)
{
	if (r->pos)
		pos_set(r->pos, r->path, line, col, kline, kcol);
}

static void describe_char(const struct reader *r, char *buf, size_t len)
{
	unsigned char c = (unsigned char)peek(r);

	if (at_end(r))
		snprintf(buf, len, "end of file");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes an escape after the backslash; returns bytes written or -1. */
static int read_escape(struct reader *r, char *o)
{
	unsigned cp, lo;
	char c = peek(r);
	const char *map = "\"\"\\\\//b\bf\fn\nr\rt\t";
	const char *m;

	for (m = map; *m; m += 2) {
		if (c == m[0]) {
			advance(r);
			*o = m[1];
			return 1;
		}
	}
	if (c != 'u' || r->len - r->i < 5 || hex4(r->s + r->i + 1, &cp) < 0)
		return -1;
	advance(r);
	for (int k = 0; k < 4; k++)
		advance(r);
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (r->len - r->i < 6 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u' ||
		    hex4(r->s + r->i + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return -1;
		for (int k = 0; k < 6; k++)
			advance(r);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp < 0xe000) {
		return -1;
	}
	if (cp == 0)
		return -1; /* NUL inside a string: refused, C strings cannot hold it */
	return (int)put_utf8(o, cp);
}

/* Bytes from i that a string holds as they are (no quote, backslash or
 * control character): the common case, copied in one go. */
static size_t plain_run(const struct reader *r, size_t i)
{
	size_t k = i;
	uint64_t w;

	while (k + 8 <= r->len && (memcpy(&w, r->s + k, 8), json_unescaped8(w)))
		k += 8; /* a word at a time: a journal's route tables are MBs of plain text */
	while (k < r->len) {
		unsigned char c = (unsigned char)r->s[k];
		if (c == '"' || c == '\\' || c < 0x20)
			break;
		k++;
	}
	return k - i;
}

static void stack_reserve(struct reader *r, size_t n)
{
	if (r->top + n <= r->cap)
		return;
	r->cap = (r->top + n) * 2;
	r->stack = xrealloc(r->stack, r->cap);
}

/* Reads a string token onto the stack: its bytes at r->stack + *ret_off,
 * *ret_len of them and a NUL; the caller pops it (r->top = *ret_off).
 * false after reporting an error (nothing pushed). */
static bool read_string(struct reader *r, size_t *ret_off, size_t *ret_len)
{
	unsigned line = r->line, col = r->col;
	size_t off = r->top, n = 0, run;
	char *out;

	advance(r); /* opening quote */
	for (;;) {
		char c;

		run = plain_run(r, r->i);
		stack_reserve(r, n + run + 8);
		out = r->stack + off;
		memcpy(out + n, r->s + r->i, run); /* no newline in it: one line */
		n += run;
		r->i += run;
		r->col += (unsigned)run;
		c = peek(r);
		if (at_end(r) || c == '\n') {
			syntax_error(r, line, col, "close it with '\"'",
				     "string not closed on its line");
			return false;
		}
		if (c == '"') {
			advance(r);
			break;
		}
		if ((unsigned char)c < 0x20) {
			syntax_error(r, r->line, r->col, "escape it (\\t, \\u00XX)",
				     "control character in a string");
			skip_string(r);
			return false;
		}
		if (c == '\\') {
			unsigned el = r->line, ec = r->col;
			int k;
			advance(r);
			k = read_escape(r, out + n);
			if (k < 0) {
				syntax_error(r, el, ec, "use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX",
					     "invalid escape in a string");
				while (!at_end(r) && peek(r) != '"' && peek(r) != '\n')
					advance(r);
				advance(r);
				return false;
			}
			n += (size_t)k;
			continue;
		}
		out[n++] = c;
		advance(r);
	}
	out[n] = '\0';
	r->top = off + n + 1;
	*ret_off = off;
	*ret_len = n;
	return true;
}

static bool ascii(const char *s, size_t n)
{
	uint64_t w, acc = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return (acc & 0x8080808080808080ull) == 0;
}

json_t *json_text(const char *s, size_t n)
{
	if (ascii(s, n) && !memchr(s, 0, n))
		return json_stringn_nocheck(s, n);
	return json_stringn(s, n);
}

static json_t *read_value(struct reader *r);

static int is_delim(char c)
{
	return c == '\0' || c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' ||
	       c == '\n' || c == '\r' || c == ':';
}

static json_t *read_number(struct reader *r)
{
	unsigned line = r->line, col = r->col;
	size_t start = r->i;
	int is_real = 0;
	char buf[64];
	size_t n;

	if (peek(r) == '-')
		advance(r);
	if (peek(r) == '0') {
		advance(r);
	} else if (peek(r) >= '1' && peek(r) <= '9') {
		while (peek(r) >= '0' && peek(r) <= '9')
			advance(r);
	} else {
		goto bad;
	}
	if (peek(r) == '.') {
		is_real = 1;
		advance(r);
		if (!(peek(r) >= '0' && peek(r) <= '9'))
			goto bad;
		while (peek(r) >= '0' && peek(r) <= '9')
			advance(r);
	}
	if (peek(r) == 'e' || peek(r) == 'E') {
		is_real = 1;
		advance(r);
		if (peek(r) == '+' || peek(r) == '-')
			advance(r);
		if (!(peek(r) >= '0' && peek(r) <= '9'))
			goto bad;
		while (peek(r) >= '0' && peek(r) <= '9')
			advance(r);
	}
	if (!is_delim(peek(r)))
		goto bad;
	n = r->i - start;
	if (n >= sizeof(buf))
		goto bad;
	memcpy(buf, r->s + start, n);
	buf[n] = '\0';
	if (!is_real) {
		long long v;
		errno = 0;
		v = strtoll(buf, NULL, 10);
		if (errno == 0)
			return json_integer(v);
	}
	return json_real(strtod(buf, NULL));
bad:
	syntax_error(r, line, col, "write a JSON number such as 42 or 0.5",
		     "invalid number");
	sync_to_separator(r);
	return NULL;
}

static json_t *read_word(struct reader *r)
{
	static const char *const words[] = { "true", "false", "null" };
	unsigned line = r->line, col = r->col;
	size_t i, n = 0, shown;

	while (r->i + n < r->len && !is_delim(r->s[r->i + n]) && r->s[r->i + n] != '"')
		n++;
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (n == strlen(words[i]) && strncmp(r->s + r->i, words[i], n) == 0) {
			while (n--)
				advance(r);
			return i == 0 ? json_true() : i == 1 ? json_false() : json_null();
		}
	}
	shown = n > 40 ? 40 : n ? n : 1;
	while (shown > 1 && shown < n && ((unsigned char)r->s[r->i + shown] & 0xc0) == 0x80)
		shown--; /* not in the middle of a UTF-8 character */
	syntax_error(r, line, col, "quote strings with \"…\"",
		     "unexpected '%.*s'", (int)shown, r->s + r->i);
	sync_to_separator(r);
	return NULL;
}

static bool starts_value(char c)
{
	return c == '"' || c == '{' || c == '[' || c == '-' || (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z');
}

/* After a value inside a container: expects ',' or the closing char.
 * Returns 1 to read another element, 0 at the end of the container (the
 * closing char consumed, or left for the outer container when it is the
 * wrong one). Always makes progress or returns 0. */
static int after_element(struct reader *r, char close, unsigned oline, unsigned ocol)
{
	char what[32];

	skip_ws(r);
	if (peek(r) == ',') {
		advance(r);
		skip_ws(r);
		if (peek(r) == close) {
			syntax_error(r, r->line, r->col, "remove the comma",
				     "trailing comma before '%c'", close);
			advance(r);
			return 0;
		}
		return 1;
	}
	if (peek(r) == close) {
		advance(r);
		return 0;
	}
	if (at_end(r)) {
		syntax_error(r, r->line, r->col, "close it",
			     "end of file inside the %s opened at line %u column %u",
			     close == '}' ? "object" : "array", oline, ocol);
		return 0;
	}
	describe_char(r, what, sizeof(what));
	if (peek(r) == '"' || (close == ']' && starts_value(peek(r)))) {
		syntax_error(r, r->line, r->col, "add a ','", "missing ',' before %s", what);
		return 1;
	}
	syntax_error(r, r->line, r->col, "add a ',' or close it",
		     "expected ',' or '%c', found %s", close, what);
	if (peek(r) == '}' || peek(r) == ']')
		return 0; /* the wrong closer: it belongs to an outer container */
	sync_to_separator(r);
	if (peek(r) == ',') {
		advance(r);
		return 1;
	}
	if (peek(r) == close) {
		advance(r);
		return 0;
	}
	return 0;
}

/* As json_path_key() / json_path_index(), in place and without printf:
 * every key and element of a big plan passes here. */
static void path_put_key(struct reader *r, size_t plen, const char *key, size_t klen)
{
	size_t dot = plen ? 1 : 0, room = sizeof(r->path) - plen - 1;

	if (dot + klen > room) {
		snprintf(r->path + plen, sizeof(r->path) - plen, "%s%s", dot ? "." : "", key);
		return;
	}
	if (dot)
		r->path[plen] = '.';
	memcpy(r->path + plen + dot, key, klen);
	r->path[plen + dot + klen] = '\0';
}

/* "[idx]" at the end of num[INDEX_TEXT_MAX] (no printf: every element of a
 * big array passes here); returns where it starts. */
#define INDEX_TEXT_MAX 24
static char *index_text(char *num, size_t idx)
{
	char *p = num + INDEX_TEXT_MAX - 1;

	*p = '\0';
	*--p = ']';
	do {
		*--p = (char)('0' + idx % 10);
		idx /= 10;
	} while (idx);
	*--p = '[';
	return p;
}

static void path_put_index(struct reader *r, size_t plen, size_t idx)
{
	char num[INDEX_TEXT_MAX];
	const char *t = index_text(num, idx);
	size_t n = (size_t)(num + INDEX_TEXT_MAX - 1 - t);

	if (plen + n + 1 > sizeof(r->path))
		return;
	memcpy(r->path + plen, t, n + 1);
}

static json_t *read_object(struct reader *r)
{
	unsigned oline = r->line, ocol = r->col;
	size_t plen = strlen(r->path);
	json_t *obj = json_object();

	advance(r);
	skip_ws(r);
	if (peek(r) == '}') {
		advance(r);
		return obj;
	}
	for (;;) {
		unsigned kline, kcol, vline, vcol;
		size_t koff, klen;
		const char *key;
		json_t *v;

		skip_ws(r);
		kline = r->line;
		kcol = r->col;
		if (peek(r) != '"') {
			char what[32];
			describe_char(r, what, sizeof(what));
			syntax_error(r, kline, kcol, "quote keys with \"…\"",
				     "expected a key in quotes, found %s", what);
			if (at_end(r))
				break;
			sync_to_separator(r);
			if (!after_element(r, '}', oline, ocol))
				break;
			continue;
		}
		if (!read_string(r, &koff, &klen)) {
			sync_to_separator(r);
			if (!after_element(r, '}', oline, ocol))
				break;
			continue;
		}
		key = r->stack + koff;
		path_put_key(r, plen, key, klen);
		skip_ws(r);
		if (peek(r) == ':') {
			advance(r);
		} else {
			syntax_error(r, r->line, r->col, "add a ':' after the key",
				     "missing ':' after \"%s\"", key);
		}
		skip_ws(r);
		vline = r->line;
		vcol = r->col;
		if (json_object_get(obj, key))
			syntax_error(r, kline, kcol, "keep one of them",
				     "key \"%s\" appears twice", key);
		v = read_value(r);
		key = r->stack + koff; /* the stack may have moved */
		if (v) {
			record_pos(r, vline, vcol, kline, kcol);
			if (ascii(key, klen))
				json_object_setn_new_nocheck(obj, key, klen, v);
			else if (json_object_set_new(obj, key, v) < 0)
				syntax_error(r, kline, kcol, "save the file as UTF-8",
					     "key is not valid UTF-8");
		}
		r->top = koff;
		r->path[plen] = '\0';
		if (!after_element(r, '}', oline, ocol))
			break;
	}
	return obj;
}

static json_t *read_array(struct reader *r)
{
	unsigned oline = r->line, ocol = r->col;
	size_t plen = strlen(r->path), idx = 0;
	json_t *arr = json_array();

	advance(r);
	skip_ws(r);
	if (peek(r) == ']') {
		advance(r);
		return arr;
	}
	for (;;) {
		unsigned vline, vcol;
		json_t *v;

		skip_ws(r);
		if (at_end(r)) {
			after_element(r, ']', oline, ocol);
			break;
		}
		path_put_index(r, plen, idx);
		vline = r->line;
		vcol = r->col;
		v = read_value(r);
		if (v) {
			record_pos(r, vline, vcol, 0, 0);
			json_array_append_new(arr, v);
		} else {
			json_array_append_new(arr, json_null()); /* keep indexes stable */
		}
		idx++;
		r->path[plen] = '\0';
		if (!after_element(r, ']', oline, ocol))
			break;
	}
	return arr;
}

/* path matches pattern, where "[*]" stands for any "[N]". */
static bool path_matches(const char *path, const char *pattern)
{
	while (*pattern) {
		if (strncmp(pattern, "[*]", 3) == 0) {
			if (*path != '[')
				return false;
			path += strspn(path + 1, "0123456789") + 1;
			if (*path++ != ']')
				return false;
			pattern += 3;
		} else if (*path++ != *pattern++) {
			return false;
		}
	}
	return *path == '\0';
}

/* At an array: when its path is one to defer and it is plain, steps over it
 * (as read_array would, line and column too) and returns the empty array
 * that stands for it; else NULL. */
static json_t *defer_array(struct reader *r)
{
	const char *const *p;
	struct deferred *dv;
	size_t end, i, count;
	const char *nl;

	for (p = r->defer; p && *p && !path_matches(r->path, *p); p++)
		;
	if (!p || !*p)
		return NULL;
	end = json_plain_check(r->s, r->len, r->i, JSONFILE_MAX_DEPTH - r->depth, &count);
	if (!end)
		return NULL;
	r->impl->deferred = xrealloc(r->impl->deferred,
				     (r->impl->ndeferred + 1) * sizeof(*r->impl->deferred));
	dv = &r->impl->deferred[r->impl->ndeferred++];
	*dv = (struct deferred){ .v = json_array(), .off = r->i, .len = end - r->i,
				 .count = count };
	json_incref(dv->v);
	for (i = r->i; (nl = memchr(r->s + i, '\n', end - i)); i = (size_t)(nl - r->s) + 1)
		r->line++;
	r->col = i == r->i ? r->col + (unsigned)(end - i) : (unsigned)(end - i) + 1;
	r->i = end;
	return dv->v;
}

static json_t *read_value(struct reader *r)
{
	char c, what[32];
	json_t *v;

	skip_ws(r);
	c = peek(r);
	if (at_end(r)) {
		syntax_error(r, r->line, r->col, "complete the file", "a value is missing at the end of the file");
		return NULL;
	}
	if (c == '[' && r->defer && (v = defer_array(r)))
		return v;
	if (c == '{' || c == '[') {
		if (r->depth >= JSONFILE_MAX_DEPTH) {
			syntax_error(r, r->line, r->col, "flatten the file",
				     "nested deeper than %d levels", JSONFILE_MAX_DEPTH);
			r->i = r->len; /* give up on the rest */
			return NULL;
		}
		r->depth++;
		v = c == '{' ? read_object(r) : read_array(r);
		r->depth--;
		return v;
	}
	if (c == '"') {
		unsigned line = r->line, col = r->col;
		size_t off, n;
		if (!read_string(r, &off, &n))
			return NULL;
		/* no NUL inside: read_escape() refuses \u0000 */
		v = json_text(r->stack + off, n);
		r->top = off;
		if (!v)
			syntax_error(r, line, col, "save the file as UTF-8", "string is not valid UTF-8");
		return v;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return read_number(r);
	if (c >= 'a' && c <= 'z')
		return read_word(r);
	describe_char(r, what, sizeof(what));
	syntax_error(r, r->line, r->col, "write a JSON value", "unexpected %s", what);
	if (c == ',' || c == '}' || c == ']')
		return NULL;
	advance(r);
	sync_to_separator(r);
	return NULL;
}

/* Reads the whole text: the root value, or NULL. */
static json_t *read_text(struct reader *r)
{
	json_t *root;

	if (r->len >= 3 && memcmp(r->s, "\xef\xbb\xbf", 3) == 0)
		r->i = 3; /* a UTF-8 byte order mark */
	skip_ws(r);
	if (at_end(r)) {
		syntax_error(r, 1, 1, "write a JSON object { … }", "the file is empty");
		return NULL;
	}
	record_pos(r, r->line, r->col, 0, 0);
	root = read_value(r);
	skip_ws(r);
	if (!at_end(r))
		syntax_error(r, r->line, r->col, "remove it, or wrap both in one object",
			     "text after the end of the top-level value");
	free(r->stack);
	r->stack = NULL;
	r->top = r->cap = 0;
	return root;
}

/* Takes ownership of text (len bytes and a NUL after them). */
static struct jsonfile *parse_owned(const char *name, char *text, size_t len,
				    const char *const defer[], struct diags *d)
{
	struct jsonfile_impl *impl = xcalloc(1, sizeof(*impl));
	struct reader r = {
		.s = text, .len = len, .line = 1, .col = 1, .name = name, .d = d,
		.defer = defer, .impl = impl,
	};

	impl->pub.name = xstrdup(name);
	impl->text = text;
	impl->len = len;
	impl->pub.root = read_text(&r);
	return &impl->pub;
}

struct jsonfile *jsonfile_parse_deferring(const char *name, const char *text, size_t len,
					  const char *const defer[], struct diags *d)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, text, len);
	copy[len] = '\0';
	return parse_owned(name, copy, len, defer, d);
}

struct jsonfile *jsonfile_parse(const char *name, const char *text, size_t len, struct diags *d)
{
	return jsonfile_parse_deferring(name, text, len, NULL, d);
}

bool jsonfile_deferred(const struct jsonfile *jf, const json_t *v, struct json_plain *ret,
		       size_t *count)
{
	const struct jsonfile_impl *impl = (const struct jsonfile_impl *)jf;
	size_t i;

	for (i = 0; jf && v && i < impl->ndeferred; i++) {
		if (impl->deferred[i].v == v) {
			*ret = (struct json_plain){ impl->text + impl->deferred[i].off,
						    impl->deferred[i].len };
			if (count)
				*count = impl->deferred[i].count;
			return true;
		}
	}
	return false;
}

json_t *json_parse_strict(const char *text, size_t len)
{
	struct diags d;
	struct reader r = { .s = text, .len = len, .line = 1, .col = 1, .name = "", .d = &d };
	json_t *root;

	diags_init(&d);
	root = read_text(&r);
	if (d.errors) {
		json_decref(root);
		root = NULL;
	}
	diags_free(&d);
	return root;
}

int jsonfile_load_deferring(const char *path, const char *const defer[], struct jsonfile **ret,
			    struct diags *d, struct cut_err *err)
{
	char *text;
	size_t len;
	int r;

	*ret = NULL;
	r = read_file(path, JSONFILE_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return r;
	if (memchr(text, '\0', len)) {
		free(text);
		return cut_errf(err, CUT_EINPUT, "give a JSON text file",
				"%s: the file holds a NUL byte: not a text file", path);
	}
	json_arena_begin(); /* a plan or template is kept to the end */
	*ret = parse_owned(path, text, len, defer, d);
	json_arena_end();
	return 0;
}

int jsonfile_load(const char *path, struct jsonfile **ret, struct diags *d, struct cut_err *err)
{
	return jsonfile_load_deferring(path, NULL, ret, d, err);
}

/* The second reading, with positions; its errors were reported by the first. */
static void build_positions(struct jsonfile_impl *impl)
{
	struct diags scratch;
	struct reader r = {
		.s = impl->text, .len = impl->len, .line = 1, .col = 1, .name = impl->pub.name,
		.d = &scratch, .pos = &impl->pos,
	};

	diags_init(&scratch);
	json_decref(read_text(&r));
	diags_free(&scratch);
	impl->pos_built = true;
}

void jsonfile_free(struct jsonfile *jf)
{
	struct jsonfile_impl *impl = (struct jsonfile_impl *)jf;
	size_t i;

	if (!jf)
		return;
	free(jf->name);
	json_decref(jf->root);
	pos_free(&impl->pos);
	for (i = 0; i < impl->ndeferred; i++)
		json_decref(impl->deferred[i].v);
	free(impl->deferred);
	free(impl->text);
	free(jf);
}

void jsonfile_where(const struct jsonfile *jf, const char *path, bool key, unsigned *line,
		    unsigned *col)
{
	/* jf points into a struct jsonfile_impl allocated (not const) by
	 * parse_owned(); its position table is a cache filled on first use */
	struct jsonfile_impl *impl = (struct jsonfile_impl *)jf;
	const struct pos_table *t;
	char buf[JSONFILE_PATH_MAX];
	const struct pos_entry *p;

	*line = *col = 0;
	if (!jf)
		return;
	if (!impl->pos_built)
		build_positions(impl);
	t = &impl->pos;
	snprintf(buf, sizeof(buf), "%s", path ? path : "");
	for (;;) {
		p = pos_get(t, buf);
		if (p) {
			if (key && p->kline) {
				*line = p->kline;
				*col = p->kcol;
			} else {
				*line = p->line;
				*col = p->col;
			}
			return;
		}
		if (!buf[0])
			return;
		/* strip the last component: ".key" or "[i]" */
		{
			char *dot = strrchr(buf, '.'), *br = strrchr(buf, '[');
			char *cut = dot > br ? dot : br;
			if (!cut)
				cut = buf;
			*cut = '\0';
		}
		key = false;
	}
}

/* buf = the first max bytes of parent + sep + tail (buf holds max + 1):
 * what formatting into a JSONFILE_PATH_MAX buffer and copying into buf gave,
 * without two snprintf calls per member a check reads. parent may be buf. */
static void path_join(char *buf, size_t max, const char *parent, const char *sep,
		      const char *tail)
{
	size_t o, n;
	const char *parts[2] = { sep, tail };
	size_t i;

	o = strlen(parent);
	if (o > max)
		o = max;
	if (buf != parent)
		memmove(buf, parent, o);
	for (i = 0; i < 2; i++) {
		n = strlen(parts[i]);
		if (n > max - o)
			n = max - o;
		memcpy(buf + o, parts[i], n);
		o += n;
	}
	buf[o] = '\0';
}

void json_path_key(char *buf, size_t len, const char *parent, const char *key)
{
	if (!len)
		return;
	if (key >= buf && key < buf + len) { /* key inside buf: the careful way */
		char tmp[JSONFILE_PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s%s%s", parent ? parent : "",
			 parent && parent[0] ? "." : "", key);
		snprintf(buf, len, "%s", tmp);
		return;
	}
	if (!parent || !parent[0])
		path_join(buf, len - 1, "", "", key);
	else
		path_join(buf, (len < JSONFILE_PATH_MAX ? len : JSONFILE_PATH_MAX) - 1, parent, ".",
			  key);
}

void json_path_index(char *buf, size_t len, const char *parent, size_t i)
{
	char num[INDEX_TEXT_MAX];

	if (!len)
		return;
	path_join(buf, (len < JSONFILE_PATH_MAX ? len : JSONFILE_PATH_MAX) - 1, parent ? parent : "",
		  index_text(num, i), "");
}
