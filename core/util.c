#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
	fputs("cutover: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

void replace_text(char **dst, const char *fmt, va_list ap)
{
	free(*dst);
	*dst = fmt ? xvasprintf(fmt, ap) : NULL;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int open_failure(int errnum)
{
	switch (errnum) {
	case ENOENT: case ENOTDIR: case EISDIR: case EACCES: case EPERM:
	case ELOOP: case ENAMETOOLONG: case ENXIO:
		return CUT_EINPUT;
	default:
		return -errnum;
	}
}

int read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct cut_err *err)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cut_errf(err, open_failure(errno), "check the path", "%s: cannot open: %s",
				path, strerror(errno));
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = cut_errf(err, -errno, NULL, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = cut_errf(err, CUT_ELIMIT, "split the file or raise the limit",
				     "%s: larger than %zu bytes", path, max);
			break;
		}
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fsync_folder_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, r = 0;

	if (slash == dir)
		slash[1] = '\0'; /* "/name": the root folder */
	else if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return r;
}

int parse_duration_ms(const char *s, int64_t *ret_ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 }, { "min", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	char *end;
	double v;
	size_t i, num, frac;

	/* DIGITS[.DIGITS] then the unit: strtod alone also takes "nan", "inf",
	 * "0x10", "1e3" and leading blanks */
	if (!s)
		return -EINVAL;
	num = strspn(s, "0123456789");
	if (num && s[num] == '.') {
		frac = strspn(s + num + 1, "0123456789");
		num = frac ? num + 1 + frac : 0;
	}
	if (num == 0)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != s + num || v > 1e12)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			if (v * (double)units[i].ms > 9e15) /* well inside int64_t */
				return -EINVAL;
			*ret_ms = (int64_t)(v * (double)units[i].ms + 0.5);
			return 0;
		}
	}
	return -EINVAL;
}

void format_duration(int64_t ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "%lld ms", (long long)ms);
	else if (ms < 120000)
		snprintf(buf, len, "%lld s", (long long)(ms / 1000));
	else if (ms < 7200000)
		snprintf(buf, len, "%lld min", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%lld h %lld min", (long long)(ms / 3600000),
			 (long long)(ms % 3600000 / 60000));
}

/* s is 1 to 18 plain digits: its value without strtoll (a journal's route
 * tables hold 40,000 numbers for 10,000 routes). false: anything else. */
static bool plain_digits(const char *s, long long *ret)
{
	long long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 18)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return i && !s[i];
}

int parse_int(const char *s, long long min, long long max, long long *ret)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	if (plain_digits(s, &v)) {
		if (v < min || v > max)
			return -ERANGE;
		*ret = v;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (*end || errno)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_realtime_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t now_monotonic_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

void format_utc(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void user_at_host(char *buf, size_t len)
{
	char host[256] = "unknown-host";
	const char *user = NULL;
	struct passwd *pw = getpwuid(geteuid());

	if (pw)
		user = pw->pw_name;
	if (!user)
		user = getenv("USER");
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, len, "%s@%s", user ? user : "unknown", host);
}

char *path_relative_to(const char *base_file, const char *path)
{
	const char *slash;

	if (path[0] == '/' || !(slash = strrchr(base_file, '/')))
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - base_file), base_file, path);
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row, r;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	row = xcalloc(lb + 1, sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	r = row[lb];
	free(row);
	return r;
}

void freezero(void *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--; /* s[n] continues the character before it */
	return n;
}

/* The length of the valid UTF-8 character at p (1-4), 0 when none starts there. */
static size_t utf8_char(const unsigned char *p)
{
	unsigned cp;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, cp = p[0] & 0x1Fu;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, cp = p[0] & 0x0Fu;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* the NUL ends it too */
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0; /* overlong, beyond Unicode, or a surrogate */
	return n;
}

/* Only continuation bytes from p to the end: a character cut there. */
static bool cut_at_end(const unsigned char *p)
{
	if (p[0] < 0xC2 || p[0] > 0xF4)
		return false;
	for (p++; *p; p++)
		if ((*p & 0xC0) != 0x80)
			return false;
	return true;
}

void utf8_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n;

	while (*p) {
		n = utf8_char(p);
		if (n) {
			p += n;
		} else if (cut_at_end(p)) {
			*p = '\0';
		} else {
			*p++ = '?';
		}
	}
}
