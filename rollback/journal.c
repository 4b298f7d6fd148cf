#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "jsonfile.h"
#include "util.h"

#define FILE_HEAD_LEN 12
#define FRAME_HEAD_LEN 24

struct journal {
	char *path;
	int fd;
	int flags;
	char *change;
	struct journal_record *recs; /* one per step of a group: bodies borrowed */
	size_t n, cap;
	size_t written_n;    /* records written to the file */
	json_t **frames;     /* the body of each frame, owned */
	size_t nframes, frames_cap, written_frames;
	uint64_t next_seq, written_seq; /* the seq the next frame gets */
	uint64_t end;        /* file offset after the last written frame */
	uint64_t durable_end; /* the same after the last successful sync */
	unsigned char *pending; /* frames appended, not yet written */
	size_t pending_len, pending_cap;
	bool need_dir_sync;
	bool failed;         /* a write or sync failed: no more records */
	struct cut_err error; /* why it failed, or why the last append did */
	char by[300];
	char run[48];        /* this open's run id: "PID-RANDOM" (writers only) */
	char warning[768];
	/* values every record repeats, made once and shared by the records */
	json_t *by_json;
	json_t *run_json;
	json_t *phase_json[JOURNAL_NOTE + 1];
	json_t *time_json;   /* "time" of time_sec */
	int64_t time_sec;
	long crash_at, crash_count;
	bool crash_torn;
	const struct journal_watch *watch; /* while opening only */
};

static const char *const phase_names[] = {
	[JOURNAL_HEADER] = "header",
	[JOURNAL_INTENT] = "intent",
	[JOURNAL_DONE] = "done",
	[JOURNAL_FAILED] = "failed",
	[JOURNAL_UNDO_INTENT] = "undo-intent",
	[JOURNAL_UNDONE] = "undone",
	[JOURNAL_UNDO_FAILED] = "undo-failed",
	[JOURNAL_UNDO_CONFLICT] = "undo-conflict",
	[JOURNAL_NOTE] = "note",
};

const char *journal_phase_name(enum journal_phase p)
{
	if ((size_t)p < ARRAY_SIZE(phase_names))
		return phase_names[p];
	return "unknown";
}

int journal_phase_from_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(phase_names); i++)
		if (strcmp(phase_names[i], name) == 0)
			return (int)i;
	return -1;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ---- crash points, for the crash tests ---- */

static void crash_setup(struct journal *j)
{
	const char *at = getenv("CUTOVER_CRASH_AT");
	const char *torn = getenv("CUTOVER_CRASH_TORN");
	long long v;

	if (at && parse_int(at, 1, 1000000, &v) == 0)
		j->crash_at = (long)v;
	j->crash_torn = torn && strcmp(torn, "1") == 0;
}

/* Called before writing buf (may be NULL for an fsync point). */
static void crash_point(struct journal *j, const void *buf, size_t len)
{
	if (!j->crash_at || ++j->crash_count != j->crash_at)
		return;
	if (buf && j->crash_torn && len > 1) {
		if (pwrite(j->fd, buf, len / 2, (off_t)j->end) < 0)
			abort();
	}
	kill(getpid(), SIGKILL);
}

/* ---- the lock ---- */

/* "pid P, user@host, since T\n", padded with newlines to len. */
static void lock_note(const struct journal *j, char *info, size_t len)
{
	char when[32];
	int n;

	format_utc(now_realtime_ms(), when, sizeof(when));
	n = snprintf(info, len, "pid %ld, %s, since %s\n", (long)getpid(), j->by, when);
	if (n < 0 || (size_t)n >= len)
		n = (int)len - 1;
	memset(info + n, '\n', len - (size_t)n);
}

/* PATH.lock beside the file the path leads to (through symlinks): it tells
 * a second writer who holds the lock. */
static char *note_path(const struct journal *j)
{
	char *real = realpath(j->path, NULL);
	char *note = xasprintf("%s.lock", real ? real : j->path);

	free(real);
	return note;
}

static void write_note(const struct journal *j, const char *note)
{
	char info[512];
	int fd = open(note, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return; /* the lock holds even if the note about its holder cannot be written */
	lock_note(j, info, sizeof(info));
	/* The whole padded buffer, so it covers the note before it without a
	 * truncation (which costs ext4 a couple of milliseconds). */
	if (pwrite(fd, info, sizeof(info), 0) < 0) {
		/* as above */
	}
	close(fd);
}

static void read_note(const char *note, char *holder, size_t len)
{
	int fd = open(note, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, holder, len - 1, 0) : -1;

	if (fd >= 0)
		close(fd);
	holder[n > 0 ? n : 0] = '\0';
	holder[strcspn(holder, "\n")] = '\0';
}

/* The n-th space-separated field of line (from 0), or NULL. */
static const char *field(const char *line, int n)
{
	const char *p = line;

	for (;;) {
		p += strspn(p, " \t");
		if (!*p || *p == '\n')
			return NULL;
		if (n-- == 0)
			return p;
		p += strcspn(p, " \t\n");
	}
}

/* One line of /proc/locks: "1: FLOCK  ADVISORY  WRITE 1234 08:01:56789 0 EOF"
 * (blocked waiters have "->" before FLOCK). The holder's pid when the line is
 * a granted write flock on device maj:min, inode ino; else 0. */
static long locks_line_pid(const char *line, unsigned maj, unsigned min, unsigned long ino)
{
	const char *type = field(line, 1), *mode = field(line, 3);
	const char *pid = field(line, 4), *dev = field(line, 5);
	char *end;
	long p;

	if (!type || !mode || !pid || !dev || strncmp(type, "FLOCK", 5) != 0 ||
	    strncmp(mode, "WRITE", 5) != 0)
		return 0;
	p = strtol(pid, &end, 10);
	if (end == pid || *end != ' ' || strtoul(dev, &end, 16) != maj || *end != ':' ||
	    strtoul(end + 1, &end, 16) != min || *end != ':' ||
	    strtoul(end + 1, &end, 10) != ino)
		return 0;
	return p > 0 ? p : 0;
}

/* The pid holding an flock on fd's file, from /proc/locks (which names the
 * file by device and inode, whatever path the holder opened it by); 0 when
 * not found. */
static long flock_holder_pid(int fd)
{
	struct stat st;
	char line[256];
	long pid = 0;
	FILE *f;

	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/locks", "re")))
		return 0;
	while (!pid && fgets(line, sizeof(line), f))
		pid = locks_line_pid(line, major(st.st_dev), minor(st.st_dev),
				     (unsigned long)st.st_ino);
	fclose(f);
	return pid;
}

/* Who holds the lock: the note beside the path when it is the holder's
 * (same pid), else the pid and program name the kernel knows — a writer
 * that came by another hard link left its note beside that one. */
static void lock_holder(const struct journal *j, const char *note, char *holder, size_t len)
{
	long pid = flock_holder_pid(j->fd), note_pid;
	char comm[64] = "", *path;
	FILE *f;

	read_note(note, holder, len);
	note_pid = strncmp(holder, "pid ", 4) == 0 ? strtol(holder + 4, NULL, 10) : 0;
	if (!pid || note_pid == pid)
		return;
	path = xasprintf("/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	free(path);
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(holder, len, "pid %ld%s%s", pid, comm[0] ? ", " : "", comm);
}

/* An exclusive flock on the journal file itself (its open file, j->fd), not
 * on a name: every path to it — a symlink, a hard link, another mount —
 * meets the same lock. The kernel drops it when the holder closes or dies. */
static int take_lock(struct journal *j, struct cut_err *err)
{
	char *note = note_path(j), holder[512];
	int r = 0, e;

	if (flock(j->fd, LOCK_EX | LOCK_NB) == 0) {
		write_note(j, note);
	} else if ((e = errno) != EWOULDBLOCK) {
		r = cut_errf(err, -e, NULL, "journal %s: cannot lock: %s", j->path, strerror(e));
	} else {
		lock_holder(j, note, holder, sizeof(holder));
		r = cut_errf(err, CUT_ELOCKED,
			     "wait for that run to finish (or stop it); the lock is released the moment it exits",
			     "journal %s is in use by another cutover (%s)", j->path,
			     holder[0] ? holder : "holder unknown");
	}
	free(note);
	return r;
}

static int create_new(struct journal *j, const char *change, struct cut_err *err);

/* A journal whose creation a crash interrupted holds no record: a writer
 * that has a change id starts it again; anyone else sees an empty journal
 * (nothing was done under it, so nothing to undo). */
static int empty_journal(struct journal *j, const char *change, struct cut_err *err)
{
	if (!(j->flags & JOURNAL_READONLY) && (j->flags & JOURNAL_CREATE) && change)
		return create_new(j, change, err);
	j->change = xstrdup("");
	return 0;
}

/* ---- reading ---- */

static struct journal_record *add_record(struct journal *j, uint64_t seq, uint64_t off,
					 json_t *frame, json_t *body)
{
	struct journal_record *r;

	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->recs = xrealloc(j->recs, j->cap * sizeof(*j->recs));
	}
	r = &j->recs[j->n++];
	r->seq = seq;
	r->offset = off;
	r->frame = frame;
	r->body = body;
	r->phase = (enum journal_phase)journal_phase_from_name(
		json_string_value(json_object_get(frame, "phase")));
	r->kind = json_string_value(json_object_get(frame, "kind"));
	r->step = seq;
	return r;
}

/* An intent group: its steps are numbered seq, seq+1, …; returns how many,
 * 0 for a group that is not one. */
static uint64_t add_intent_group(struct journal *j, uint64_t seq, uint64_t off, json_t *frame,
				 const json_t *steps)
{
	size_t i, n = json_array_size(steps);

	if (j->n + n > JOURNAL_RECORDS_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!json_is_object(json_array_get(steps, i)))
			return 0;
	for (i = 0; i < n; i++)
		add_record(j, seq + i, off, frame, json_array_get(steps, i));
	return n;
}

/* An outcome naming steps as [first, last] ranges: one record per step, all
 * with the frame's seq. Only steps before it can be named. */
static bool add_outcome_group(struct journal *j, uint64_t seq, uint64_t off, json_t *frame,
			      const json_t *ranges)
{
	size_t i, k;
	uint64_t total = 0;

	for (i = 0; i < json_array_size(ranges); i++) {
		const json_t *r = json_array_get(ranges, i);
		json_int_t a = json_integer_value(json_array_get(r, 0));
		json_int_t b = json_integer_value(json_array_get(r, 1));
		if (json_array_size(r) != 2 || a < 1 || b < a || (uint64_t)b >= seq ||
		    (total += (uint64_t)(b - a + 1)) > seq || j->n + total > JOURNAL_RECORDS_MAX)
			goto bad;
	}
	for (i = 0; i < json_array_size(ranges); i++) {
		const json_t *r = json_array_get(ranges, i);
		uint64_t a = (uint64_t)json_integer_value(json_array_get(r, 0));
		uint64_t b = (uint64_t)json_integer_value(json_array_get(r, 1));
		for (k = 0; a + k <= b; k++)
			add_record(j, seq, off, frame, frame)->step = a + k;
	}
	return true;
bad:
	return false;
}

/* Takes frame (a record's body) and adds the records it holds; returns how
 * many sequence numbers it uses (its steps, for an intent group), 0 if it
 * is not a journal record. */
static uint64_t add_frame(struct journal *j, uint64_t seq, uint64_t off, json_t *frame)
{
	int phase = journal_phase_from_name(json_string_value(json_object_get(frame, "phase")));
	const json_t *steps = json_object_get(frame, "steps"), *v;
	uint64_t used = 1;

	if (!json_is_object(frame) || phase < 0)
		return 0;
	if (j->nframes == j->frames_cap) {
		j->frames_cap = j->frames_cap ? j->frames_cap * 2 : 64;
		j->frames = xrealloc(j->frames, j->frames_cap * sizeof(*j->frames));
	}
	if (phase == JOURNAL_HEADER || phase == JOURNAL_NOTE)
		steps = NULL; /* a note's "steps" is its own business */
	if (steps && phase == JOURNAL_INTENT)
		used = json_is_array(steps) ? add_intent_group(j, seq, off, frame, steps) : 0;
	else if (steps)
		used = json_is_array(steps) && add_outcome_group(j, seq, off, frame, steps);
	else
		add_record(j, seq, off, frame, frame);
	if (used == 0)
		return 0;
	j->frames[j->nframes++] = frame;
	v = json_object_get(frame, "step");
	if (!steps && phase != JOURNAL_INTENT)
		j->recs[j->n - 1].step = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	return used;
}

/* Does a complete, valid frame start at off? */
static bool frame_valid_at(const unsigned char *buf, size_t size, size_t off)
{
	uint32_t len;

	if (size - off < FRAME_HEAD_LEN || get32(buf + off) != JOURNAL_FRAME_MAGIC)
		return false;
	if (crc32c(0, buf + off, 20) != get32(buf + off + 20))
		return false;
	len = get32(buf + off + 4);
	if (len > JOURNAL_RECORD_MAX || size - off - FRAME_HEAD_LEN < len)
		return false;
	return crc32c(0, buf + off + FRAME_HEAD_LEN, len) == get32(buf + off + 16);
}

static bool valid_frame_after(const unsigned char *buf, size_t size, size_t off)
{
	size_t i;

	for (i = off + 1; i + FRAME_HEAD_LEN <= size; i++)
		if (buf[i] == 0xC0 && frame_valid_at(buf, size, i))
			return true;
	return false;
}

/* Damage at off, where record seq belongs; after: valid records follow it. */
static int corrupt(struct journal *j, size_t off, uint64_t seq, const char *what, bool after,
		   struct cut_err *err)
{
	char hint[1024];

	snprintf(hint, sizeof(hint),
		 "do not edit or append to it; keep the file for analysis, restore a copy if you have one, "
		 "and run `cutover journal show %s` to see the %zu intact records before the damage",
		 j->path, j->n);
	return cut_errf(err, CUT_ECORRUPT, hint,
			"journal %s is damaged at offset %zu, where record %llu belongs (%s)%s: refused",
			j->path, off, (unsigned long long)seq, what,
			after ? ", with valid records after it" : ", the last record in the file");
}

/* A bad frame at off: a torn tail if nothing valid follows, else damage. */
static int bad_frame(struct journal *j, const unsigned char *buf, size_t size, size_t off,
		     uint64_t seq, const char *what, size_t *torn_at, struct cut_err *err)
{
	if (valid_frame_after(buf, size, off))
		return corrupt(j, off, seq, what, true, err);
	*torn_at = off;
	return 0;
}

/* A frame at off whose checksums hold but whose record is wrong (its
 * number, its body): damage, whether or not valid frames follow it. */
static int bad_record(struct journal *j, const unsigned char *buf, size_t size, size_t off,
		      uint64_t seq, const char *what, struct cut_err *err)
{
	size_t end = off + FRAME_HEAD_LEN + get32(buf + off + 4);

	return corrupt(j, off, seq, what, valid_frame_after(buf, size, end - 1), err);
}

static int out_of_sequence(struct journal *j, const unsigned char *buf, size_t size, size_t off,
			   uint64_t seq, struct cut_err *err)
{
	char what[64];

	snprintf(what, sizeof(what), "record out of sequence: numbered %llu",
		 (unsigned long long)get64(buf + off + 8));
	return bad_record(j, buf, size, off, seq, what, err);
}

/* The watcher, of the intents among the records from first on. */
static void tell_intents(const struct journal *j, size_t first)
{
	size_t i;

	if (!j->watch || !j->watch->intent)
		return;
	for (i = first; i < j->n; i++)
		if (j->recs[i].phase == JOURNAL_INTENT && j->recs[i].kind)
			j->watch->intent(j->watch->cookie, j->recs[i].kind, j->recs[i].body);
}

static int parse_frames(struct journal *j, const unsigned char *buf, size_t size,
			size_t *torn_at, struct cut_err *err)
{
	size_t off = FILE_HEAD_LEN, first;
	uint64_t want_seq = 1;

	*torn_at = size;
	j->next_seq = 1;
	while (off < size) {
		uint32_t len;
		json_t *body;
		uint64_t used;

		if (size - off < FRAME_HEAD_LEN) {
			*torn_at = off;
			return 0;
		}
		if (get32(buf + off) != JOURNAL_FRAME_MAGIC ||
		    crc32c(0, buf + off, 20) != get32(buf + off + 20))
			return bad_frame(j, buf, size, off, want_seq, "bad frame header", torn_at, err);
		len = get32(buf + off + 4);
		if (len > JOURNAL_RECORD_MAX)
			return bad_frame(j, buf, size, off, want_seq, "record too long", torn_at, err);
		if (size - off - FRAME_HEAD_LEN < len) {
			*torn_at = off;
			return 0;
		}
		if (crc32c(0, buf + off + FRAME_HEAD_LEN, len) != get32(buf + off + 16))
			return bad_frame(j, buf, size, off, want_seq, "record checksum mismatch",
					 torn_at, err);
		if (get64(buf + off + 8) != want_seq)
			return out_of_sequence(j, buf, size, off, want_seq, err);
		body = json_parse_strict((const char *)buf + off + FRAME_HEAD_LEN, len);
		first = j->n;
		used = add_frame(j, want_seq, off, body);
		if (used == 0) {
			json_decref(body);
			return bad_record(j, buf, size, off, want_seq, "record is not a journal record",
					  err);
		}
		tell_intents(j, first);
		want_seq += used;
		j->next_seq = want_seq;
		off += FRAME_HEAD_LEN + len;
	}
	return 0;
}

static int check_header(struct journal *j, const char *change, struct cut_err *err)
{
	const char *have;

	if (j->n == 0 || j->recs[0].phase != JOURNAL_HEADER)
		return cut_errf(err, CUT_ECORRUPT, "check the path: this is not a cutover journal",
				"journal %s has no header record", j->path);
	have = json_string_value(json_object_get(j->recs[0].body, "change"));
	if (!have)
		return cut_errf(err, CUT_ECORRUPT, NULL, "journal %s: header names no change", j->path);
	if (change && strcmp(change, have) != 0)
		return cut_errf(err, CUT_EINPUT,
				"give each change its own journal path in the plan",
				"journal %s belongs to change \"%s\", not \"%s\"", j->path, have, change);
	j->change = xstrdup(have);
	return 0;
}

/* Past JOURNAL_FILE_MAX, which the writer never lets a journal pass. */
static int too_big(const struct journal *j, struct cut_err *err)
{
	return cut_errf(err, CUT_ELIMIT,
			"a journal cannot be split: check that the path names the right journal; if it "
			"does, keep the file and undo its steps by hand (cutover writes no journal this "
			"large)",
			"journal %s is larger than the %u MiB a journal may hold: refused", j->path,
			JOURNAL_FILE_MAX >> 20);
}

static int load_existing(struct journal *j, const char *change, uint64_t file_size,
			 struct cut_err *err)
{
	unsigned char *buf;
	size_t size, torn_at;
	int r;

	if (file_size > JOURNAL_FILE_MAX)
		return too_big(j, err); /* without reading a byte of it */
	r = read_file(j->path, JOURNAL_FILE_MAX, (char **)&buf, &size, err);
	if (r == CUT_ELIMIT)
		return too_big(j, err); /* it grew since */
	if (r < 0)
		return r;
	if (size < FILE_HEAD_LEN && memcmp(buf, JOURNAL_MAGIC, size < 8 ? size : 8) == 0) {
		/* a crash while the file was being created: nothing was recorded */
		free(buf);
		return empty_journal(j, change, err);
	}
	if (size < FILE_HEAD_LEN || memcmp(buf, JOURNAL_MAGIC, 8) != 0) {
		free(buf);
		return cut_errf(err, CUT_ECORRUPT, "check the path: give a journal written by cutover",
				"%s is not a cutover journal", j->path);
	}
	if (get32(buf + 8) < 1 || get32(buf + 8) > JOURNAL_VERSION) {
		uint32_t v = get32(buf + 8);
		free(buf);
		return cut_errf(err, CUT_ECORRUPT, "use the cutover version that wrote it",
				"journal %s has format version %u; this cutover reads versions 1 to %u",
				j->path, v, JOURNAL_VERSION);
	}
	r = parse_frames(j, buf, size, &torn_at, err);
	free(buf);
	if (r < 0 && (j->flags & JOURNAL_SALVAGE) && (j->flags & JOURNAL_READONLY) && j->n) {
		snprintf(j->warning, sizeof(j->warning), "%s; showing the %zu records before it",
			 err->msg, j->n);
		return check_header(j, change, err);
	}
	if (r < 0)
		return r;
	if (torn_at < size) {
		if (j->flags & JOURNAL_READONLY) {
			snprintf(j->warning, sizeof(j->warning),
				 "journal %s ends in a torn record (%zu bytes at offset %zu, left by a crash "
				 "mid-write); it is ignored here and cut off when the journal is next opened "
				 "for writing",
				 j->path, size - torn_at, torn_at);
		} else {
			if (ftruncate(j->fd, (off_t)torn_at) < 0 || fdatasync(j->fd) < 0)
				return cut_errf(err, -errno, NULL, "%s: cannot cut off the torn tail: %s",
						j->path, strerror(errno));
			snprintf(j->warning, sizeof(j->warning),
				 "journal %s ended in a torn record (%zu bytes at offset %zu, left by a crash "
				 "mid-write); it was cut off — every record before it is intact",
				 j->path, size - torn_at, torn_at);
		}
	}
	j->end = j->durable_end = torn_at;
	j->written_n = j->n;
	j->written_frames = j->nframes;
	j->written_seq = j->next_seq;
	if (j->n == 0)
		return empty_journal(j, change, err);
	return check_header(j, change, err);
}

/* ---- writing ---- */

/* The body as json_dumps(JSON_COMPACT | JSON_SORT_KEYS) writes it, byte for
 * byte, without jansson's per-value callbacks and key arrays: a 1,000-record
 * switch journals ~2,000 records. Reals (never written by cutover) go
 * through jansson. What the reader (json_parse_strict) would refuse is
 * refused here: nesting deeper than JSONFILE_MAX_DEPTH (CUT_ELIMIT) and a
 * NUL inside a string (CUT_EINPUT). */
struct text {
	char *p;
	size_t len, cap;
	struct shared_text *seen; /* NULL until a shared value is written */
};

/* A container referenced more than once (a DNS zone's server object is in
 * every payload of the zone, a record's "from" array in its apply and its
 * inverse) is written once per body and copied after: its text is the same
 * each time. Remembered by address, in a table of SEEN_SLOTS; when that is
 * full, values are simply written again. */
#define SEEN_SLOTS 1024
struct shared_text {
	const json_t *v;
	size_t off, len;
};

#define SORT_ON_STACK 32

static void text_reserve(struct text *t, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = xrealloc(t->p, t->cap);
	}
}

static void text_put(struct text *t, const char *s, size_t n)
{
	text_reserve(t, n);
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void text_int(struct text *t, json_int_t v)
{
	char num[24];
	size_t i = sizeof(num);
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	do {
		num[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		num[--i] = '-';
	text_put(t, num + i, sizeof(num) - i);
}

static int text_string(struct text *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;

	text_reserve(t, n + 2);
	text_put(t, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c;
		char esc[6] = { '\\', 0 };
		size_t el = 2;
		uint64_t w;

		/* plain text (nearly all of it) is skipped a word at a time */
		while (i + 8 <= n && (memcpy(&w, s + i, 8), json_unescaped8(w)))
			i += 8;
		if (i == n)
			break;
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		text_put(t, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\0': return CUT_EINPUT; /* the reader refuses \u0000 */
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			el = 6;
		}
		text_put(t, esc, el);
	}
	text_put(t, s + run, n - run);
	text_put(t, "\"", 1);
	return 0;
}

struct member {
	const char *key;
	json_t *value;
};

static int text_value(struct text *t, json_t *v, int depth);

static int text_object(struct text *t, json_t *o, int depth)
{
	struct member stack[SORT_ON_STACK], *m = stack;
	size_t n = json_object_size(o), i = 0, k;
	const char *key;
	json_t *val;
	int r = 0;

	if (n > SORT_ON_STACK)
		m = xcalloc(n, sizeof(*m));
	json_object_foreach(o, key, val) {
		struct member x = { key, val };
		for (k = i++; k > 0 && strcmp(m[k - 1].key, key) > 0; k--)
			m[k] = m[k - 1]; /* insertion sort: objects here are small */
		m[k] = x;
	}
	text_put(t, "{", 1);
	for (i = 0; i < n && r == 0; i++) {
		if (i)
			text_put(t, ",", 1);
		(void)text_string(t, m[i].key, strlen(m[i].key)); /* a C string: no NUL */
		text_put(t, ":", 1);
		r = text_value(t, m[i].value, depth + 1);
	}
	text_put(t, "}", 1);
	if (m != stack)
		free(m);
	return r;
}

static int text_container(struct text *t, json_t *v, int depth)
{
	size_t i;
	int r = 0;

	if (json_is_object(v))
		return text_object(t, v, depth);
	text_put(t, "[", 1);
	for (i = 0; i < json_array_size(v) && r == 0; i++) {
		if (i)
			text_put(t, ",", 1);
		r = text_value(t, json_array_get(v, i), depth + 1);
	}
	text_put(t, "]", 1);
	return r;
}

static struct shared_text *seen_slot(struct text *t, const json_t *v)
{
	size_t h = ((uintptr_t)v >> 4) * 0x9E3779B97F4A7C15ull >> 54; /* 10 bits */
	size_t i;

	if (!t->seen)
		t->seen = xcalloc(SEEN_SLOTS, sizeof(*t->seen));
	for (i = 0; i < 8; i++) {
		struct shared_text *s = &t->seen[(h + i) % SEEN_SLOTS];
		if (!s->v || s->v == v)
			return s;
	}
	return NULL;
}

/* Writes a shared container once, then copies its first text. */
static int text_shared(struct text *t, json_t *v, int depth)
{
	struct shared_text *s = seen_slot(t, v);
	size_t off = t->len;
	int r;

	if (s && s->v == v) {
		text_reserve(t, s->len);
		text_put(t, t->p + s->off, s->len);
		return 0;
	}
	r = text_container(t, v, depth);
	if (r == 0 && s)
		*s = (struct shared_text){ v, off, t->len - off };
	return r;
}

static int text_value(struct text *t, json_t *v, int depth)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth >= JSONFILE_MAX_DEPTH) /* the reader's limit: the record's own object is 0 */
			return CUT_ELIMIT;
		if (v->refcount > 1)
			return text_shared(t, v, depth);
		return text_container(t, v, depth);
	case JSON_STRING:
		return text_string(t, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		text_int(t, json_integer_value(v));
		return 0;
	case JSON_TRUE:
		text_put(t, "true", 4);
		return 0;
	case JSON_FALSE:
		text_put(t, "false", 5);
		return 0;
	case JSON_NULL:
		text_put(t, "null", 4);
		return 0;
	default: {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!s)
			return -EINVAL;
		text_put(t, s, strlen(s));
		free(s);
		return 0;
	}
	}
}

/* The next frame at the end of j->pending: body's text written in place,
 * after room for the frame's head (no second buffer and copy of a record
 * that can be megabytes), then the head. Nothing is added to pending_len:
 * *ret_len is the body's length for frame_seal(), or <0 when it cannot be
 * written. */
static int frame_text(struct journal *j, json_t *body, size_t *ret_len)
{
	size_t at = j->pending_len + FRAME_HEAD_LEN;
	struct text t = { .p = (char *)j->pending, .len = at, .cap = j->pending_cap };
	int r;

	text_reserve(&t, 1024);
	r = text_value(&t, body, 0);
	free(t.seen);
	j->pending = (unsigned char *)t.p;
	j->pending_cap = t.cap;
	*ret_len = t.len - at;
	return r;
}

/* The head of the frame frame_text() wrote, which joins the pending ones. */
static void frame_seal(struct journal *j, uint64_t seq, size_t len)
{
	unsigned char *f = j->pending + j->pending_len;

	put32(f, JOURNAL_FRAME_MAGIC);
	put32(f + 4, (uint32_t)len);
	put64(f + 8, seq);
	put32(f + 16, crc32c(0, f + FRAME_HEAD_LEN, len));
	put32(f + 20, crc32c(0, f, 20));
	j->pending_len += FRAME_HEAD_LEN + len;
}

/* Where the records appended so far end, to go back to. */
struct append_mark {
	size_t n, nframes, pending_len;
	uint64_t next_seq;
};

static struct append_mark append_mark(const struct journal *j)
{
	return (struct append_mark){ j->n, j->nframes, j->pending_len, j->next_seq };
}

/* Forgets the records appended after m (not written yet). */
static void rewind_to(struct journal *j, struct append_mark m)
{
	j->n = m.n;
	while (j->nframes > m.nframes)
		json_decref(j->frames[--j->nframes]);
	j->next_seq = m.next_seq;
	j->pending_len = m.pending_len;
}

/* This writer's run id, "PID-RANDOM": the records one open of the journal
 * writes share it, so a reader can tell where one run's records end (a
 * provisional switch whose process died before its end note: night/). 64
 * random bits; without the kernel's random numbers, the clock's
 * nanoseconds and the pid mixed (unique enough: only runs of one journal
 * are compared). */
static void make_run_id(struct journal *j)
{
	struct timespec ts;
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
		    ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)j;
	}
	snprintf(j->run, sizeof(j->run), "%ld-%016llx", (long)getpid(), (unsigned long long)v);
}

/* The keys the journal sets in every record: seq, phase, time, time_ms, by, run. */
static void stamp(struct journal *j, enum journal_phase phase, json_t *rec, uint64_t seq)
{
	char when[32];
	int64_t ms = now_realtime_ms();

	if (!j->time_json || ms / 1000 != j->time_sec) {
		format_utc(ms, when, sizeof(when));
		json_decref(j->time_json);
		j->time_json = json_string(when);
		j->time_sec = ms / 1000;
	}
	if (!j->phase_json[phase])
		j->phase_json[phase] = json_string(journal_phase_name(phase));
	if (!j->by_json)
		j->by_json = json_string(j->by);
	if (!j->run_json)
		j->run_json = json_string(j->run);
	json_object_set_new(rec, "seq", json_integer((json_int_t)seq));
	json_object_set(rec, "phase", j->phase_json[phase]);
	json_object_set(rec, "time", j->time_json);
	json_object_set_new(rec, "time_ms", json_integer(ms));
	json_object_set(rec, "by", j->by_json);
	json_object_set(rec, "run", j->run_json);
}

/* Refuses rec, which is dropped: nothing of it was written. The message
 * (why: what is wrong with it) is kept for journal_error(). */
static int refuse(struct journal *j, json_t *rec, int code, const char *hint, const char *why, ...)
	CUT_PRINTF(5, 6);
static int refuse(struct journal *j, json_t *rec, int code, const char *hint, const char *why, ...)
{
	const char *kind = json_string_value(json_object_get(rec, "kind"));
	char text[400];
	va_list ap;

	va_start(ap, why);
	vsnprintf(text, sizeof(text), why, ap);
	va_end(ap);
	cut_errf(&j->error, code, hint, "journal %s: the %s record%s%s %s: nothing of it was written",
		 j->path, json_string_value(json_object_get(rec, "phase")),
		 kind ? " of kind " : "", kind ? kind : "", text);
	json_decref(rec);
	return code;
}

/* A record whose text could not be written (text_value's code). */
static int refuse_text(struct journal *j, json_t *rec, int code)
{
	if (code == CUT_ELIMIT)
		return refuse(j, rec, code, "flatten the value in the plan or template it comes from",
			      "nests values deeper than %d levels, the most the journal's reader takes",
			      JSONFILE_MAX_DEPTH);
	if (code == CUT_EINPUT)
		return refuse(j, rec, code,
			      "remove the NUL character from the plan, template or answer it comes from",
			      "holds a string with a NUL character (\\u0000), which the journal's "
			      "reader refuses");
	return refuse(j, rec, code, NULL, "holds a value the journal cannot write");
}

/* The reader refuses a journal past JOURNAL_FILE_MAX: a change that would
 * need more is refused here, with its journal still whole and readable. */
static int refuse_full(struct journal *j, json_t *rec, size_t len)
{
	char hint[CUT_ERR_HINT_MAX];

	snprintf(hint, sizeof(hint),
		 "roll this change back (`cutover rollback --journal %s`) or close the night with "
		 "it, then start a new journal: give the next change its own journal path in the plan",
		 j->path);
	return refuse(j, rec, CUT_ELIMIT, hint,
		      "(%zu bytes) would make the journal pass %u MiB, the most a journal may hold",
		      len, JOURNAL_FILE_MAX >> 20);
}

/* Frames body (its keys kept; seq, phase, time, time_ms, by and run added) as
 * the next record, using `used` sequence numbers; takes body. In memory
 * first: a record the reader would refuse (or a journal it would) is never
 * written. */
static int append_frame(struct journal *j, enum journal_phase phase, json_t *rec, uint64_t used,
			uint64_t *ret_seq)
{
	uint64_t seq = j->next_seq;
	size_t len;
	int r;

	stamp(j, phase, rec, seq);
	r = frame_text(j, rec, &len);
	if (r < 0)
		return refuse_text(j, rec, r);
	if (len > JOURNAL_RECORD_MAX)
		return refuse(j, rec, -E2BIG, "split the change into smaller steps",
			      "is longer than the %u MiB a record may hold", JOURNAL_RECORD_MAX >> 20);
	if (j->end + j->pending_len + FRAME_HEAD_LEN + len > JOURNAL_FILE_MAX)
		return refuse_full(j, rec, FRAME_HEAD_LEN + len);
	if (add_frame(j, seq, j->end + j->pending_len, rec) != used)
		return refuse(j, rec, -E2BIG, "split the change into several journals",
			      "names steps not before it, or more than a journal may hold (%u)",
			      JOURNAL_RECORDS_MAX);
	frame_seal(j, seq, len);
	j->next_seq += used;
	if (ret_seq)
		*ret_seq = seq;
	return 0;
}

/* 0, or why nothing can be appended: the journal is read-only, or a write
 * or sync failed (stop_writing). Forgets why an append before failed. */
static int begin_append(struct journal *j)
{
	if (j->flags & JOURNAL_READONLY)
		return -EBADF;
	if (j->failed)
		return j->error.code;
	cut_err_clear(&j->error);
	return 0;
}

int journal_append(struct journal *j, enum journal_phase phase, json_t *body, uint64_t *ret_seq)
{
	int r = begin_append(j);

	if (r < 0)
		return r;
	if ((size_t)phase >= ARRAY_SIZE(j->phase_json) ||
	    (phase != JOURNAL_NOTE && phase != JOURNAL_HEADER && json_object_get(body, "steps")))
		return -EINVAL; /* groups go through journal_append_intents/_outcomes */
	/* a new top level for the journal's keys; the values below it are shared
	 * with the caller (payloads are not changed once journaled), which spares
	 * copying and later freeing every step's payloads a second time */
	return append_frame(j, phase, json_is_object(body) ? json_copy(body) : json_object(), 1,
			    ret_seq);
}

static int append_intent_group(struct journal *j, const char *kind, json_t *const *steps,
			       size_t n, uint64_t *first)
{
	json_t *arr = json_array(), *rec;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append(arr, steps[i]);
	rec = json_pack("{s:s,s:o}", "kind", kind, "steps", arr);
	return append_frame(j, JOURNAL_INTENT, rec, n, first);
}

int journal_append_intents(struct journal *j, const char *kind, json_t *const *steps, size_t n,
			   uint64_t *first_seq)
{
	struct append_mark before = append_mark(j);
	size_t done = 0, chunk = n;
	uint64_t seq;
	int r = begin_append(j);

	if (r < 0)
		return r;
	for (done = 0; done < n; done++)
		if (!json_is_object(steps[done]))
			return -EINVAL;
	done = 0;
	*first_seq = j->next_seq;
	while (done < n) {
		size_t take = n - done < chunk ? n - done : chunk;
		r = append_intent_group(j, kind, steps + done, take, &seq);
		if (r == -E2BIG && take > 1) {
			chunk = take / 2; /* too big for one record: in parts */
			continue;
		}
		if (r < 0) {
			rewind_to(j, before); /* none of the batch, not a part */
			return r;
		}
		done += take;
	}
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* ids[0..n) as [first, last] ranges in ascending order: a rollback names its
 * steps newest first, which unsorted would be a range per step. */
static json_t *id_ranges(const uint64_t *ids, size_t n)
{
	json_t *ranges = json_array();
	uint64_t *sorted = NULL;
	size_t i, k;

	for (i = 1; i < n && ids[i] > ids[i - 1]; i++)
		;
	if (i < n) {
		sorted = xmalloc(n * sizeof(*sorted));
		memcpy(sorted, ids, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_id);
		ids = sorted;
	}
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && ids[k] - ids[k - 1] <= 1; k++)
			;
		json_array_append_new(ranges, json_pack("[I,I]", (json_int_t)ids[i],
							(json_int_t)ids[k - 1]));
	}
	free(sorted);
	return ranges;
}

/* ranges[from..from+n) as an array of its own (ranges itself for all). */
static json_t *ranges_part(json_t *ranges, size_t from, size_t n)
{
	json_t *part;
	size_t i;

	if (from == 0 && n == json_array_size(ranges))
		return json_incref(ranges);
	part = json_array();
	for (i = 0; i < n; i++)
		json_array_append(part, json_array_get(ranges, from + i));
	return part;
}

/* One record, or several when one would pass JOURNAL_RECORD_MAX (as for
 * intents): all of them or none. */
int journal_append_outcomes(struct journal *j, enum journal_phase phase, const char *kind,
			    const uint64_t *ids, size_t n)
{
	struct append_mark before = append_mark(j);
	json_t *ranges, *rec;
	size_t done = 0, total, chunk, take;
	int r = begin_append(j);

	if (r < 0)
		return r;
	if (phase == JOURNAL_HEADER || phase == JOURNAL_INTENT || phase == JOURNAL_NOTE ||
	    (size_t)phase >= ARRAY_SIZE(j->phase_json))
		return -EINVAL;
	ranges = id_ranges(ids, n);
	total = chunk = json_array_size(ranges);
	do {
		take = total - done < chunk ? total - done : chunk;
		rec = json_pack("{s:s,s:o}", "kind", kind, "steps", ranges_part(ranges, done, take));
		r = append_frame(j, phase, rec, 1, NULL);
		if (r == -E2BIG && take > 1) {
			chunk = take / 2; /* too many ranges for one record: in parts */
			continue;
		}
		if (r < 0)
			break;
		done += take;
	} while (done < total);
	if (r < 0)
		rewind_to(j, before);
	json_decref(ranges);
	return r;
}

uint64_t journal_last_seq(const struct journal *j)
{
	return j->next_seq ? j->next_seq - 1 : 0;
}

/* Forgets records appended after the last written one. */
static void drop_pending(struct journal *j)
{
	rewind_to(j, (struct append_mark){ j->written_n, j->written_frames, 0, j->written_seq });
}

/* A write or sync failed (code, in doing `what`). The bytes after the last
 * sync may or may not be in the file, so appending after them could reuse
 * their sequence numbers: they are cut off, and the journal takes no more
 * records. Nothing was acted on for the intents cut off (acting waits for
 * the sync); an outcome cut off makes its step "unknown", which a rollback
 * checks against the world as after a crash. */
static int stop_writing(struct journal *j, int code, const char *what, struct cut_err *err)
{
	char cut[128] = "";
	char hint[CUT_ERR_HINT_MAX];

	drop_pending(j);
	if (ftruncate(j->fd, (off_t)j->durable_end) < 0)
		snprintf(cut, sizeof(cut), " (cutting off what was written after it failed too: %s)",
			 strerror(errno));
	j->end = j->durable_end;
	j->failed = true;
	snprintf(hint, sizeof(hint),
		 "check the disk that holds the journal (free space, I/O errors); then `cutover "
		 "rollback --journal %s` undoes every step journaled, checking each against the world",
		 j->path);
	cut_errf(&j->error, code, hint,
		 "journal %s could not be written (%s failed: %s): it is cut back to what was "
		 "synced before%s, and records nothing more in this run",
		 j->path, what, strerror(-code), cut);
	return journal_error(j, err);
}

/* Writes what was appended; with durable, also fdatasync (and the folder's
 * fsync for a new file). */
static int write_pending(struct journal *j, bool durable, struct cut_err *err)
{
	int r;

	if (j->flags & JOURNAL_READONLY)
		return 0;
	if (j->failed)
		return journal_error(j, err);
	if (j->pending_len) {
		crash_point(j, j->pending, j->pending_len);
		r = write_all(j->fd, j->pending, j->pending_len);
		if (r < 0)
			return stop_writing(j, r, "write", err);
		j->end += j->pending_len;
		j->pending_len = 0;
		j->written_n = j->n;
		j->written_frames = j->nframes;
		j->written_seq = j->next_seq;
	}
	if (!durable)
		return 0;
	if (fdatasync(j->fd) < 0)
		return stop_writing(j, -errno, "fdatasync", err);
	if (j->need_dir_sync) {
		r = fsync_folder_of(j->path);
		if (r < 0)
			return stop_writing(j, r, "fsync of its folder", err);
		j->need_dir_sync = false;
	}
	crash_point(j, NULL, 0);
	j->durable_end = j->end;
	return 0;
}

int journal_sync(struct journal *j, struct cut_err *err)
{
	return write_pending(j, true, err);
}

int journal_flush(struct journal *j, struct cut_err *err)
{
	return write_pending(j, false, err);
}

static int create_new(struct journal *j, const char *change, struct cut_err *err)
{
	unsigned char head[FILE_HEAD_LEN];
	json_t *body;
	int r;

	if (!change)
		return cut_errf(err, CUT_EINTERNAL, NULL, "a new journal needs a change id");
	if (ftruncate(j->fd, 0) < 0)
		return cut_errf(err, -errno, NULL, "%s: %s", j->path, strerror(errno));
	memcpy(head, JOURNAL_MAGIC, 8);
	put32(head + 8, JOURNAL_VERSION);
	r = write_all(j->fd, head, sizeof(head));
	if (r < 0)
		return cut_errf(err, r, NULL, "%s: cannot write: %s", j->path, strerror(-r));
	j->end = j->durable_end = FILE_HEAD_LEN; /* a file of only its head reads as empty */
	j->next_seq = j->written_seq = 1;
	j->need_dir_sync = true;
	body = json_pack("{s:s,s:i}", "change", change, "format", JOURNAL_VERSION);
	r = journal_append(j, JOURNAL_HEADER, body, NULL);
	json_decref(body);
	if (r < 0)
		return cut_errf(err, r, NULL, "%s: %s", j->path, strerror(-r));
	/* Written, not synced: the first journal_sync (before anything is
	 * changed) makes the header durable with the first intents, and the
	 * folder with them. A crash before then leaves a journal without
	 * records, which the next open starts afresh. */
	r = journal_flush(j, err);
	if (r < 0)
		return r;
	j->change = xstrdup(change);
	return 0;
}

int journal_open(const char *path, int flags, const char *change, struct journal **ret,
		 struct cut_err *err)
{
	return journal_open_watched(path, flags, change, NULL, ret, err);
}

int journal_open_watched(const char *path, int flags, const char *change,
			 const struct journal_watch *watch, struct journal **ret, struct cut_err *err)
{
	struct journal *j = xcalloc(1, sizeof(*j));
	bool readonly = flags & JOURNAL_READONLY;
	struct stat st;
	int r;

	*ret = NULL;
	j->watch = watch;
	j->path = xstrdup(path);
	j->fd = -1;
	j->flags = flags;
	user_at_host(j->by, sizeof(j->by));
	if (!readonly)
		make_run_id(j);
	crash_setup(j);
	j->fd = open(path, (readonly ? O_RDONLY : O_RDWR | O_APPEND) | O_CLOEXEC |
			   ((flags & JOURNAL_CREATE) && !readonly ? O_CREAT : 0), 0644);
	if (j->fd < 0) {
		r = cut_errf(err, open_failure(errno),
			     errno == ENOENT ? "check the path; a journal is made by the first command that changes something" : "check the path and its permissions",
			     "journal %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!readonly) {
		r = take_lock(j, err); /* before reading: the holder may still be writing */
		if (r < 0)
			goto fail;
	}
	if (fstat(j->fd, &st) < 0) {
		r = cut_errf(err, -errno, NULL, "journal %s: %s", path, strerror(errno));
		goto fail;
	}
	if (st.st_size < FILE_HEAD_LEN && !readonly && (flags & JOURNAL_CREATE))
		r = create_new(j, change, err); /* new, or a crash during creation */
	else
		r = load_existing(j, change, (uint64_t)st.st_size, err);
	j->watch = NULL;
	if (r < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	journal_close(j);
	return r;
}

void journal_close(struct journal *j)
{
	size_t i;

	if (!j)
		return;
	if (j->pending_len && j->fd >= 0) {
		struct cut_err ignored;
		if (journal_sync(j, &ignored) < 0) {
			/* nothing more to do: what was not synced was never acted on */
		}
	}
	for (i = 0; i < j->nframes; i++)
		json_decref(j->frames[i]);
	free(j->frames);
	for (i = 0; i < ARRAY_SIZE(j->phase_json); i++)
		json_decref(j->phase_json[i]);
	json_decref(j->by_json);
	json_decref(j->run_json);
	json_decref(j->time_json);
	free(j->recs);
	free(j->pending);
	if (j->fd >= 0)
		close(j->fd); /* releases the flock */
	free(j->path);
	free(j->change);
	free(j);
}

int journal_error(const struct journal *j, struct cut_err *err)
{
	if (j->error.code && err)
		*err = j->error;
	return j->error.code;
}

const char *journal_warning(const struct journal *j)
{
	return j->warning[0] ? j->warning : NULL;
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

const char *journal_change(const struct journal *j)
{
	return j->change;
}

size_t journal_count(const struct journal *j)
{
	return j->n;
}

const struct journal_record *journal_get(const struct journal *j, size_t i)
{
	return i < j->n ? &j->recs[i] : NULL;
}

const struct journal_record *journal_find(const struct journal *j, uint64_t seq)
{
	size_t lo = 0, hi = j->n;

	while (lo < hi) { /* the first record with this seq: seqs never go down */
		size_t mid = lo + (hi - lo) / 2;
		if (j->recs[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->n && j->recs[lo].seq == seq ? &j->recs[lo] : NULL;
}
