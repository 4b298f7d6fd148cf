#include "secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int check_stat(const char *path, const struct stat *st, struct cut_err *err)
{
	char fix[600];

	if (!S_ISREG(st->st_mode))
		return cut_errf(err, CUT_EINPUT, "give the path of a key file",
				"%s: not a regular file", path);
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(fix, sizeof(fix), "run `chmod 600 %s`", path);
		return cut_errf(err, CUT_EPERM_FILE, fix,
				"%s: secret file is accessible by group or others (mode %04o): refused",
				path, (unsigned)(st->st_mode & 07777));
	}
	return 0;
}

int secret_check_mode(const char *path, struct cut_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return cut_errf(err, -errno, "check the path", "%s: %s", path, strerror(errno));
	return check_stat(path, &st, err);
}

int secret_read_file(const char *path, struct secret_buf *ret, struct cut_err *err)
{
	unsigned char *buf;
	struct stat st;
	size_t len = 0;
	int fd, r;

	ret->data = NULL;
	ret->len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (check_stat
	 * refuses it below); reads of a regular file ignore the flag */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return cut_errf(err, open_failure(errno), "check the path", "%s: cannot open: %s",
				path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = cut_errf(err, -errno, NULL, "%s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	r = check_stat(path, &st, err);
	if (r == 0 && (size_t)st.st_size > SECRET_FILE_MAX)
		r = cut_errf(err, CUT_ELIMIT, "give a key file, not another file",
			     "%s: larger than %u bytes", path, SECRET_FILE_MAX);
	if (r < 0) {
		close(fd);
		return r;
	}
	buf = xmalloc(SECRET_FILE_MAX + 1);
	for (;;) {
		ssize_t n = read(fd, buf + len, SECRET_FILE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = cut_errf(err, -errno, NULL, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == SECRET_FILE_MAX)
			break;
	}
	close(fd);
	if (r < 0) {
		freezero(buf, SECRET_FILE_MAX + 1);
		return r;
	}
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	ret->data = buf;
	ret->len = len;
	return 0;
}

bool secret_buf_set(struct secret_buf *b, const void *data, size_t len)
{
	secret_buf_free(b);
	if (len > SECRET_FILE_MAX)
		return false;
	b->data = xmalloc(SECRET_FILE_MAX + 1);
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	b->len = len;
	return true;
}

static int write_key(int fd, const struct secret_buf *b)
{
	int r = write_all(fd, b->data, b->len);

	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r;
}

int secret_write_file(const char *path, const struct secret_buf *b, struct cut_err *err)
{
	struct secret_buf there;
	bool same;
	int fd, r;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		r = secret_read_file(path, &there, err);
		if (r < 0)
			return r;
		same = there.len == b->len && memcmp(there.data, b->data, b->len) == 0;
		secret_buf_free(&there);
		return same ? 0 : cut_errf(err, -EEXIST, "move that file away and run again",
					   "%s: exists and holds another key", path);
	}
	if (fd < 0)
		return cut_errf(err, -errno, "check the folder (it must be writable)",
				"%s: cannot create: %s", path, strerror(errno));
	r = write_key(fd, b);
	close(fd);
	if (r == 0)
		r = fsync_folder_of(path);
	if (r < 0) {
		unlink(path);
		return cut_errf(err, r, "check the disk", "%s: cannot write: %s", path,
				strerror(-r));
	}
	return 0;
}

void secret_buf_free(struct secret_buf *b)
{
	if (!b || !b->data)
		return;
	freezero(b->data, SECRET_FILE_MAX + 1);
	b->data = NULL;
	b->len = 0;
}

/* ---- BIND key files: a tiny tokenizer over `key "n" { k v; … };` ---- */

struct lexer {
	const char *file, *s;
	size_t len, i;
	unsigned line;
};

enum tok { T_END, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI, T_BAD };

static void skip_space_and_comments(struct lexer *lx)
{
	while (lx->i < lx->len) {
		char c = lx->s[lx->i];
		if (c == '\n') {
			lx->line++;
			lx->i++;
		} else if (isspace((unsigned char)c)) {
			lx->i++;
		} else if (c == '#' || (c == '/' && lx->i + 1 < lx->len && lx->s[lx->i + 1] == '/')) {
			while (lx->i < lx->len && lx->s[lx->i] != '\n')
				lx->i++;
		} else if (c == '/' && lx->i + 1 < lx->len && lx->s[lx->i + 1] == '*') {
			lx->i += 2;
			while (lx->i + 1 < lx->len && !(lx->s[lx->i] == '*' && lx->s[lx->i + 1] == '/')) {
				if (lx->s[lx->i] == '\n')
					lx->line++;
				lx->i++;
			}
			lx->i += 2;
		} else {
			break;
		}
	}
}

/* Reads one token; for words and strings, start and n give its text. */
static enum tok next_token(struct lexer *lx, const char **start, size_t *n)
{
	char c;

	skip_space_and_comments(lx);
	if (lx->i >= lx->len)
		return T_END;
	c = lx->s[lx->i];
	*start = lx->s + lx->i;
	*n = 1;
	if (c == '{' || c == '}' || c == ';') {
		lx->i++;
		return c == '{' ? T_LBRACE : c == '}' ? T_RBRACE : T_SEMI;
	}
	if (c == '"') {
		size_t j = lx->i + 1;
		while (j < lx->len && lx->s[j] != '"' && lx->s[j] != '\n')
			j++;
		if (j >= lx->len || lx->s[j] != '"')
			return T_BAD;
		*start = lx->s + lx->i + 1;
		*n = j - lx->i - 1;
		lx->i = j + 1;
		return T_STRING;
	}
	if (isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.') {
		size_t j = lx->i;
		while (j < lx->len && (isalnum((unsigned char)lx->s[j]) || strchr("-_.+/=", lx->s[j])))
			j++;
		*n = j - lx->i;
		lx->i = j;
		return T_WORD;
	}
	return T_BAD;
}

static int syntax(struct lexer *lx, struct cut_err *err, const char *what)
{
	return cut_errf(err, CUT_EINPUT,
			"the file must look like: key \"NAME\" { algorithm hmac-sha256; secret \"BASE64\"; };",
			"%s:%u: %s", lx->file, lx->line, what);
}

static int expect(struct lexer *lx, enum tok want, struct cut_err *err, const char *what)
{
	const char *s;
	size_t n;

	if (next_token(lx, &s, &n) != want)
		return syntax(lx, err, what);
	return 0;
}

static const char *const tsig_algorithms[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512", NULL,
};

static int set_algorithm(struct lexer *lx, struct tsig_key *k, const char *s, size_t n,
			 struct cut_err *err)
{
	char name[32];
	size_t i;

	if (n >= sizeof(name))
		return syntax(lx, err, "unknown algorithm");
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)s[i]);
	name[n] = '\0';
	if (strcmp(name, "hmac-md5.sig-alg.reg.int") == 0)
		snprintf(name, sizeof(name), "hmac-md5");
	for (i = 0; tsig_algorithms[i]; i++) {
		if (strcmp(tsig_algorithms[i], name) == 0) {
			snprintf(k->algorithm, sizeof(k->algorithm), "%s", name);
			return 0;
		}
	}
	return cut_errf(err, CUT_EINPUT, "use hmac-sha256, hmac-sha384 or hmac-sha512",
			"%s:%u: unknown TSIG algorithm \"%.*s\"", lx->file, lx->line,
			(int)(n > 32 ? 32 : n), s);
}

static int set_secret(struct lexer *lx, struct tsig_key *k, const char *s, size_t n,
		      struct cut_err *err)
{
	unsigned char tmp[TSIG_SECRET_MAX * 2];
	int out;

	/* never echo the value: only say what is wrong with it */
	if (n == 0 || n % 4 != 0 || n > (TSIG_SECRET_MAX / 3 + 1) * 4)
		return cut_errf(err, CUT_EINPUT, "regenerate the key with tsig-keygen",
				"%s:%u: secret is not valid base64 of a key", lx->file, lx->line);
	out = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	if (out < 0) {
		explicit_bzero(tmp, sizeof(tmp));
		return cut_errf(err, CUT_EINPUT, "regenerate the key with tsig-keygen",
				"%s:%u: secret is not valid base64", lx->file, lx->line);
	}
	if (n >= 1 && s[n - 1] == '=')
		out--;
	if (n >= 2 && s[n - 2] == '=')
		out--;
	if (out <= 0 || (size_t)out > TSIG_SECRET_MAX) {
		explicit_bzero(tmp, sizeof(tmp));
		return cut_errf(err, CUT_EINPUT, "regenerate the key with tsig-keygen",
				"%s:%u: secret has a wrong length", lx->file, lx->line);
	}
	memcpy(k->secret, tmp, (size_t)out);
	k->secret_len = (size_t)out;
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
}

/* Parses the body of one key { … }; */
static int parse_key_body(struct lexer *lx, struct tsig_key *k, struct cut_err *err)
{
	int have_alg = 0, have_secret = 0, r;
	unsigned key_line = lx->line;

	r = expect(lx, T_LBRACE, err, "expected '{' after the key name");
	if (r < 0)
		return r;
	for (;;) {
		const char *s, *v;
		size_t n, vn;
		enum tok t = next_token(lx, &s, &n), vt;

		if (t == T_RBRACE)
			break;
		if (t != T_WORD)
			return syntax(lx, err, "expected 'algorithm', 'secret' or '}'");
		vt = next_token(lx, &v, &vn);
		if (vt != T_WORD && vt != T_STRING)
			return syntax(lx, err, "expected a value");
		if (n == 9 && strncmp(s, "algorithm", n) == 0) {
			r = set_algorithm(lx, k, v, vn, err);
			have_alg = 1;
		} else if (n == 6 && strncmp(s, "secret", n) == 0) {
			r = set_secret(lx, k, v, vn, err);
			have_secret = 1;
		} else {
			return cut_errf(err, CUT_EINPUT, "only 'algorithm' and 'secret' belong in a key",
					"%s:%u: unknown statement \"%.*s\"", lx->file, lx->line,
					(int)(n > 40 ? 40 : n), s);
		}
		if (r < 0)
			return r;
		r = expect(lx, T_SEMI, err, "expected ';'");
		if (r < 0)
			return r;
	}
	r = expect(lx, T_SEMI, err, "expected ';' after '}'");
	if (r < 0)
		return r;
	if (!have_alg || !have_secret)
		return cut_errf(err, CUT_EINPUT, "add the missing statement",
				"%s:%u: key \"%s\" has no %s", lx->file, key_line, k->name,
				have_alg ? "secret" : "algorithm");
	return 0;
}

int tsig_key_parse(const char *file, const char *text, size_t len, const char *name,
		   struct tsig_key **ret, struct cut_err *err)
{
	struct lexer lx = { .file = file, .s = text, .len = len, .line = 1 };
	struct tsig_key *k = xcalloc(1, sizeof(*k));
	int found = 0, r = 0;
	size_t want_len = name ? strlen(name) : 0;

	*ret = NULL;
	if (want_len && name[want_len - 1] == '.')
		want_len--;
	for (;;) {
		const char *s;
		size_t n;
		enum tok t = next_token(&lx, &s, &n);

		if (t == T_END)
			break;
		if (t != T_WORD || n != 3 || strncmp(s, "key", 3) != 0) {
			r = syntax(&lx, err, "expected 'key'");
			break;
		}
		t = next_token(&lx, &s, &n);
		if ((t != T_STRING && t != T_WORD) || n == 0 || n >= sizeof(k->name)) {
			r = syntax(&lx, err, "expected the key's name");
			break;
		}
		if (s[n - 1] == '.')
			n--;
		memset(k, 0, sizeof(*k));
		memcpy(k->name, s, n);
		r = parse_key_body(&lx, k, err);
		if (r < 0)
			break;
		if (!name || (want_len == n && strncasecmp(name, k->name, n) == 0)) {
			found = 1;
			break;
		}
	}
	if (r == 0 && !found) {
		if (name)
			r = cut_errf(err, CUT_EINPUT, "check the key name in the plan",
				     "%s: no key named \"%s\"", file, name);
		else
			r = cut_errf(err, CUT_EINPUT, "create one with `tsig-keygen -a hmac-sha256 NAME`",
				     "%s: no key in the file", file);
	}
	if (r < 0) {
		tsig_key_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

int tsig_key_load(const char *path, const char *name, struct tsig_key **ret, struct cut_err *err)
{
	struct secret_buf b;
	int r;

	*ret = NULL;
	r = secret_read_file(path, &b, err);
	if (r < 0)
		return r;
	r = tsig_key_parse(path, (const char *)b.data, b.len, name, ret, err);
	secret_buf_free(&b);
	return r;
}

void tsig_key_free(struct tsig_key *k)
{
	freezero(k, sizeof(*k));
}
