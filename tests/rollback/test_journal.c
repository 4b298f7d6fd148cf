/* Journal file format: round trip, torn tails, damage, lock, header checks. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crc32c.h"
#include "journal.h"
#include "jsonfile.h"
#include "util.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cut-journal-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/j", dir);
	return 0;
}

static int teardown(void **state)
{
	char lock[160];

	(void)state;
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(path);
	unlink(lock);
	rmdir(dir);
	return 0;
}

/* Writes a journal with n intent records; returns the file size. */
static off_t make_journal(int n)
{
	struct journal *j;
	struct cut_err err;
	struct stat st;
	int i;

	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	for (i = 0; i < n; i++) {
		json_t *body = json_pack("{s:s,s:{s:i},s:{s:i},s:s}", "kind", "test.file", "apply",
					 "v", i, "inverse", "v", -i, "describe", "a step");
		assert_int_equal(journal_append(j, JOURNAL_INTENT, body, NULL), 0);
		json_decref(body);
	}
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void flip_byte(off_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static void test_round_trip(void **state)
{
	struct journal *j;
	struct cut_err err;
	const struct journal_record *r;

	(void)state;
	make_journal(5);
	assert_int_equal(journal_open(path, 0, "CHG-1", &j, &err), 0);
	assert_null(journal_warning(j));
	assert_int_equal(journal_count(j), 6);
	assert_string_equal(journal_change(j), "CHG-1");
	r = journal_get(j, 3);
	assert_int_equal(r->seq, 4);
	assert_int_equal(r->phase, JOURNAL_INTENT);
	assert_string_equal(r->kind, "test.file");
	assert_int_equal(r->step, 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r->body, "apply"), "v")), 2);
	assert_non_null(json_object_get(r->body, "by"));
	assert_ptr_equal(journal_find(j, 4), r);
	journal_close(j);
}

struct torn_case {
	const char *name;
	off_t cut;      /* bytes removed from the end */
	bool garbage;   /* overwrite the last bytes instead of cutting */
};

static const struct torn_case torn_cases[] = {
	{ "one byte short", 1, false },
	{ "half a body", 40, false },
	{ "inside the frame header", 0, false }, /* cut computed: leaves 10 header bytes */
	{ "garbage in the last body", 0, true },
};

static void check_torn(const struct torn_case *tc)
{
	struct journal *j;
	struct cut_err err;
	off_t size = make_journal(3), keep;
	struct stat st;

	if (tc->garbage) {
		flip_byte(size - 5);
		keep = size;
	} else {
		/* the last record's frame starts at size - last_len */
		keep = tc->cut ? size - tc->cut : size - 1;
		if (!tc->cut) {
			/* append 10 bytes of a new frame header */
			int fd = open(path, O_WRONLY | O_APPEND);
			assert_int_equal(write(fd, "\xc0\xde\xc0\xde\0\0\0\x10\0\0", 10), 10);
			close(fd);
			keep = size + 10;
		}
		assert_int_equal(truncate(path, keep), 0);
	}
	/* read-only: warns, ignores the torn record, changes nothing */
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_non_null(journal_warning(j));
	assert_non_null(strstr(journal_warning(j), "torn"));
	journal_close(j);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, keep);
	/* writable: cuts it off, keeps every complete record */
	assert_int_equal(journal_open(path, 0, NULL, &j, &err), 0);
	assert_non_null(journal_warning(j));
	assert_true(journal_count(j) >= 3);
	journal_close(j);
	assert_int_equal(journal_open(path, 0, NULL, &j, &err), 0);
	assert_null(journal_warning(j));
	journal_close(j);
}

static void test_torn_tails(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(torn_cases); i++) {
		print_message("case: %s\n", torn_cases[i].name);
		check_torn(&torn_cases[i]);
	}
}

struct damage_case {
	const char *name;
	off_t at; /* offset from the start of the second record's frame */
};

static const struct damage_case damage_cases[] = {
	{ "frame magic", 0 },
	{ "length field", 6 },
	{ "sequence number", 12 },
	{ "body checksum", 17 },
	{ "body", 40 },
};

static void test_damage_in_the_middle(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(damage_cases); i++) {
		struct journal *j;
		struct cut_err err;
		off_t frame;
		char want[64];

		print_message("case: %s\n", damage_cases[i].name);
		make_journal(4);
		assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
		frame = (off_t)journal_get(j, 1)->offset;
		journal_close(j);
		flip_byte(frame + damage_cases[i].at);
		assert_int_equal(journal_open(path, 0, NULL, &j, &err), CUT_ECORRUPT);
		snprintf(want, sizeof(want), "offset %lld", (long long)frame);
		assert_non_null(strstr(err.msg, want));
		assert_non_null(strstr(err.msg, "where record 2 belongs"));
		assert_non_null(strstr(err.msg, "with valid records after it"));
		assert_true(strlen(err.hint) > 0);
		/* show can still list the records before the damage */
		assert_int_equal(journal_open(path, JOURNAL_READONLY | JOURNAL_SALVAGE, NULL, &j, &err), 0);
		assert_int_equal(journal_count(j), 1);
		assert_non_null(journal_warning(j));
		journal_close(j);
	}
}

static void test_lock_names_holder(void **state)
{
	struct journal *a, *b;
	struct cut_err err;

	(void)state;
	make_journal(1);
	assert_int_equal(journal_open(path, 0, NULL, &a, &err), 0);
	assert_int_equal(journal_open(path, 0, NULL, &b, &err), CUT_ELOCKED);
	assert_non_null(strstr(err.msg, "pid"));
	assert_non_null(strstr(err.msg, "@"));
	/* readers are not blocked */
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &b, &err), 0);
	journal_close(b);
	journal_close(a);
	assert_int_equal(journal_open(path, 0, NULL, &b, &err), 0);
	journal_close(b);
}

/* The lock is the file's, not the name's: a writer that came by a symlink
 * or a hard link is refused while another holds it by its real path (and
 * the other way round), and the symlink's writer is told who holds it. */
static void test_lock_any_path(void **state)
{
	char soft[160], hard[160], note[180], want[40];
	struct journal *a, *b;
	struct cut_err err;

	(void)state;
	make_journal(1);
	snprintf(soft, sizeof(soft), "%s/via-symlink", dir);
	snprintf(hard, sizeof(hard), "%s/via-hardlink", dir);
	assert_int_equal(symlink(path, soft), 0);
	assert_int_equal(link(path, hard), 0);
	print_message("case: real path, then symlink\n");
	assert_int_equal(journal_open(path, 0, NULL, &a, &err), 0);
	assert_int_equal(journal_open(soft, 0, NULL, &b, &err), CUT_ELOCKED);
	assert_non_null(strstr(err.msg, "pid"));
	print_message("case: real path, then hard link\n");
	assert_int_equal(journal_open(hard, 0, NULL, &b, &err), CUT_ELOCKED);
	snprintf(want, sizeof(want), "pid %ld,", (long)getpid());
	assert_non_null(strstr(err.msg, want)); /* it said "holder unknown" */
	journal_close(a);
	print_message("case: symlink, then real path\n");
	assert_int_equal(journal_open(soft, 0, NULL, &a, &err), 0);
	assert_int_equal(journal_open(path, 0, NULL, &b, &err), CUT_ELOCKED);
	assert_non_null(strstr(err.msg, "pid"));
	journal_close(a);
	assert_int_equal(journal_open(hard, 0, NULL, &b, &err), 0);
	journal_close(b);
	snprintf(note, sizeof(note), "%s.lock", hard);
	unlink(note);
	unlink(soft);
	unlink(hard);
}

struct open_case {
	const char *name;
	const char *content; /* file content, NULL: a valid journal of change CHG-1 */
	const char *change;
	int want;
};

static const struct open_case open_cases[] = {
	{ "another change's journal", NULL, "CHG-2", CUT_EINPUT },
	{ "not a journal", "hello world, this is text", NULL, CUT_ECORRUPT },
	{ "newer format", "CUTJRNL\n\0\0\0\x09", NULL, CUT_ECORRUPT },
	{ "empty file (crash during creation)", "", NULL, 0 },
};

static void test_open_checks(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(open_cases); i++) {
		const struct open_case *oc = &open_cases[i];
		struct journal *j = NULL;
		struct cut_err err;

		print_message("case: %s\n", oc->name);
		if (oc->content) {
			FILE *f = fopen(path, "w");
			size_t len = strcmp(oc->name, "newer format") == 0 ? 12 : strlen(oc->content);
			fwrite(oc->content, 1, len, f);
			fclose(f);
		} else {
			make_journal(1);
		}
		assert_int_equal(journal_open(path, 0, oc->change, &j, &err), oc->want);
		if (oc->want == 0)
			assert_int_equal(journal_count(j), 0);
		journal_close(j);
	}
}

static void test_append_readonly_refused(void **state)
{
	struct journal *j;
	struct cut_err err;
	json_t *body = json_object();

	(void)state;
	make_journal(1);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(journal_append(j, JOURNAL_NOTE, body, NULL), -EBADF);
	json_decref(body);
	journal_close(j);
}

static json_t *step_body(int v, const char *pad)
{
	return json_pack("{s:{s:i,s:s},s:{s:i},s:s}", "apply", "v", v, "pad", pad, "inverse", "v",
			 -v, "describe", "a grouped step");
}

/* Intents of a batch as one group record, outcomes as ranges: step ids are
 * consecutive, the next frame's seq follows the group, and all of it reads
 * back as one record per step. */
static void test_groups(void **state)
{
	struct journal *j;
	struct cut_err err;
	json_t *steps[5];
	uint64_t first = 0, ids[] = { 2, 3, 4, 6 };
	const struct journal_record *r;
	size_t i, done = 0;

	(void)state;
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	for (i = 0; i < 5; i++)
		steps[i] = step_body((int)i, "");
	assert_int_equal(journal_append_intents(j, "test.file", steps, 5, &first), 0);
	for (i = 0; i < 5; i++)
		json_decref(steps[i]);
	assert_int_equal(first, 2);
	assert_int_equal(journal_append_outcomes(j, JOURNAL_DONE, "test.file", ids, 4), 0);
	assert_int_equal(journal_last_seq(j), 7);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);

	assert_int_equal(journal_open(path, JOURNAL_READONLY, "CHG-1", &j, &err), 0);
	assert_int_equal(journal_count(j), 1 + 5 + 4);
	assert_int_equal(journal_last_seq(j), 7);
	r = journal_find(j, 4);
	assert_non_null(r);
	assert_int_equal(r->phase, JOURNAL_INTENT);
	assert_int_equal(r->step, 4);
	assert_string_equal(r->kind, "test.file");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r->body, "apply"), "v")), 2);
	assert_non_null(json_object_get(r->frame, "by"));
	for (i = 0; i < journal_count(j); i++) {
		r = journal_get(j, i);
		if (r->phase != JOURNAL_DONE)
			continue;
		assert_int_equal(r->seq, 7);
		assert_int_equal(r->step, ids[done++]);
	}
	assert_int_equal(done, 4);
	journal_close(j);
}

static const char *run_of(const struct journal *j, uint64_t seq)
{
	const struct journal_record *r = journal_find(j, seq);

	return r ? json_string_value(json_object_get(r->frame, "run")) : NULL;
}

/* Every record names its run: the same for all one open wrote (a group's
 * steps, its outcomes, notes), another for the next open. What tells a
 * killed switch's records from a later run's (night/). */
static void test_records_name_their_run(void **state)
{
	struct journal *j;
	struct cut_err err;
	json_t *steps[2], *note;
	uint64_t first = 0, ids[] = { 2, 3 };
	char pid[32];

	(void)state;
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	steps[0] = step_body(1, "");
	steps[1] = step_body(2, "");
	assert_int_equal(journal_append_intents(j, "test.file", steps, 2, &first), 0);
	json_decref(steps[0]);
	json_decref(steps[1]);
	assert_int_equal(journal_append_outcomes(j, JOURNAL_DONE, "test.file", ids, 2), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	assert_int_equal(journal_open(path, 0, NULL, &j, &err), 0);
	note = json_pack("{s:s}", "event", "x");
	assert_int_equal(journal_append(j, JOURNAL_NOTE, note, NULL), 0);
	json_decref(note);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);

	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_non_null(run_of(j, 1));
	snprintf(pid, sizeof(pid), "%ld-", (long)getpid());
	assert_true(strncmp(run_of(j, 1), pid, strlen(pid)) == 0);
	assert_string_equal(run_of(j, 2), run_of(j, 1)); /* the group */
	assert_string_equal(run_of(j, 3), run_of(j, 1));
	assert_string_equal(run_of(j, 4), run_of(j, 1)); /* its outcomes */
	assert_non_null(run_of(j, 5));
	assert_string_not_equal(run_of(j, 5), run_of(j, 1)); /* the next open's note */
	journal_close(j);
}

/* Values referenced from several places (a zone's server in every payload,
 * a record's "from" in its apply and its inverse) are written once and copied
 * after; more of them than the writer remembers are written again. Either
 * way every step reads back exactly as built. */
static void test_shared_values(void **state)
{
	enum { N = 1500 };
	json_t *server = json_pack("{s:s,s:i,s:[i,i]}", "address", "127.0.0.1", "port", 53,
				   "nested", 1, 2);
	json_t **steps = xcalloc(N, sizeof(*steps));
	struct journal *j;
	struct cut_err err;
	uint64_t first = 0;
	size_t i;

	(void)state;
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	for (i = 0; i < N; i++) {
		json_t *from = json_pack("[s,i]", "192.0.2.1", (int)i);
		steps[i] = json_pack("{s:{s:O,s:O,s:i},s:{s:O,s:O,s:O},s:s}", "apply", "server",
				     server, "from", from, "v", (int)i, "inverse", "server", server,
				     "to", from, "again", from, "describe", "shared");
		json_decref(from);
	}
	assert_int_equal(journal_append_intents(j, "test.file", steps, N, &first), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);

	assert_int_equal(journal_open(path, JOURNAL_READONLY, "CHG-1", &j, &err), 0);
	assert_int_equal(journal_count(j), 1 + N);
	for (i = 0; i < N; i++) {
		const struct journal_record *r = journal_find(j, first + i);
		assert_non_null(r);
		assert_true(json_equal(json_object_get(r->body, "apply"),
				       json_object_get(steps[i], "apply")));
		assert_true(json_equal(json_object_get(r->body, "inverse"),
				       json_object_get(steps[i], "inverse")));
		json_decref(steps[i]);
	}
	journal_close(j);
	free(steps);
	json_decref(server);
}

/* Strings are escaped as JSON wants wherever the character falls (the
 * writer skips plain text a word at a time): every special character at
 * every offset of strings up to 40 bytes reads back as written. */
static void test_string_escapes(void **state)
{
	static const char special[] = { '"', '\\', '\n', '\t', 0x01, 0x1f, 0x7f, '/' };
	json_t *arr = json_array(), *body;
	const struct journal_record *r;
	struct journal *j;
	struct cut_err err;
	char buf[48];
	size_t len, at, k;

	(void)state;
	for (len = 1; len <= 40; len++)
		for (at = 0; at < len; at++)
			for (k = 0; k < sizeof(special); k++) {
				memset(buf, 'a', len);
				memcpy(buf + (at + 1) % len, "\xc3\xa9", at + 2 < len ? 2 : 0);
				buf[at] = special[k];
				json_array_append_new(arr, json_stringn(buf, len));
			}
	body = json_pack("{s:s,s:o,s:{},s:s}", "kind", "test.file", "apply", arr, "inverse",
			 "describe", "escapes");
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	assert_int_equal(journal_append(j, JOURNAL_INTENT, body, NULL), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, "CHG-1", &j, &err), 0);
	r = journal_get(j, 1);
	assert_true(json_equal(json_object_get(r->body, "apply"), json_object_get(body, "apply")));
	journal_close(j);
	json_decref(body);
}

/* Each frame's body is, byte for byte, what json_dumps(JSON_COMPACT |
 * JSON_SORT_KEYS) makes of the record read back — also when a big record
 * grows the buffer that holds the frames not yet written before it. */
static void test_frame_bytes(void **state)
{
	enum { BIG = 40000 };
	json_t *arr = json_array(), *small, *big;
	struct journal *j;
	struct cut_err err;
	char *file;
	size_t len, i, seen = 0;
	uint64_t last = UINT64_MAX;

	(void)state;
	for (i = 0; i < BIG; i++)
		json_array_append_new(arr, json_sprintf("10.%zu.%zu.0/24\tvia 192.0.2.1\n", i / 250,
							  i % 250));
	small = json_pack("{s:s,s:{s:i},s:{s:i},s:s}", "kind", "test.file", "apply", "v", 1,
			  "inverse", "v", -1, "describe", "small \"one\"");
	big = json_pack("{s:s,s:{s:o},s:{s:b},s:s}", "kind", "test.file", "apply", "lines", arr,
			"inverse", "none", 1, "describe", "big");
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	assert_int_equal(journal_append(j, JOURNAL_INTENT, small, NULL), 0);
	assert_int_equal(journal_append(j, JOURNAL_INTENT, big, NULL), 0);
	assert_int_equal(journal_append(j, JOURNAL_INTENT, small, NULL), 0);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);

	assert_int_equal(read_file(path, 64u << 20, &file, &len, &err), 0);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, "CHG-1", &j, &err), 0);
	for (i = 0; i < journal_count(j); i++) {
		const struct journal_record *r = journal_get(j, i);
		char *want;
		uint32_t blen;
		if (r->offset == last)
			continue;
		last = r->offset;
		blen = (uint32_t)((unsigned char)file[r->offset + 4] << 24 |
				  (unsigned char)file[r->offset + 5] << 16 |
				  (unsigned char)file[r->offset + 6] << 8 |
				  (unsigned char)file[r->offset + 7]);
		want = json_dumps(r->frame, JSON_COMPACT | JSON_SORT_KEYS);
		assert_non_null(want);
		assert_int_equal(blen, strlen(want));
		assert_memory_equal(file + r->offset + 24, want, blen);
		free(want);
		seen++;
	}
	assert_int_equal(seen, 4); /* the header and the three */
	journal_close(j);
	free(file);
	json_decref(small);
	json_decref(big);
}

/* A new journal's header is synced with the first intents, not on its own:
 * a crash (or power cut) before then may leave only the file's head, and
 * the next writer starts the journal afresh. */
static void test_created_not_yet_synced(void **state)
{
	struct journal *j;
	struct cut_err err;

	(void)state;
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	journal_close(j);
	assert_int_equal(truncate(path, 12), 0); /* what a power cut may leave */
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-2", &j, &err), 0);
	assert_int_equal(journal_count(j), 1);
	assert_string_equal(journal_change(j), "CHG-2");
	journal_close(j);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_string_equal(journal_change(j), "CHG-2");
	journal_close(j);
}

/* A batch too big for one record goes in several; the ids stay consecutive. */
static void test_group_split(void **state)
{
	char *pad = xmalloc(JOURNAL_RECORD_MAX / 2 + 1);
	struct journal *j;
	struct cut_err err;
	json_t *steps[3];
	uint64_t first = 0;
	size_t i;

	(void)state;
	memset(pad, 'x', JOURNAL_RECORD_MAX / 2);
	pad[JOURNAL_RECORD_MAX / 2] = '\0';
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	for (i = 0; i < 3; i++)
		steps[i] = step_body((int)i, pad);
	assert_int_equal(journal_append_intents(j, "test.file", steps, 3, &first), 0);
	for (i = 0; i < 3; i++)
		json_decref(steps[i]);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	free(pad);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, "CHG-1", &j, &err), 0);
	assert_int_equal(journal_count(j), 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(journal_get(j, 1 + i)->seq, first + i);
	assert_true(journal_get(j, 1)->offset < journal_get(j, 2)->offset);
	journal_close(j);
}

/* Outcomes name their steps as ascending ranges whatever the order they
 * are given in (a rollback gives them newest first: a range per step, once
 * too many for one record), and ranges too many for one record go in
 * several; every step reads back once. */
static void test_outcome_ranges(void **state)
{
	enum { N = 600000, HALF = N / 2 };
	json_t *step = json_object(), **steps = xcalloc(N, sizeof(*steps));
	uint64_t *ids = xcalloc(HALF, sizeof(*ids)), first = 0, last;
	unsigned char *seen = xcalloc(N, 1);
	const struct journal_record *r;
	struct journal *j;
	struct cut_err err;
	size_t i, done = 0;

	(void)state;
	unlink(path);
	assert_int_equal(journal_open(path, JOURNAL_CREATE, "CHG-1", &j, &err), 0);
	for (i = 0; i < N; i++)
		steps[i] = step; /* one object, written once and copied */
	assert_int_equal(journal_append_intents(j, "test.file", steps, N, &first), 0);

	print_message("case: six steps newest first make one range\n");
	for (i = 0; i < 6; i++)
		ids[i] = first + 5 - i;
	assert_int_equal(journal_append_outcomes(j, JOURNAL_UNDO_INTENT, "test.file", ids, 6), 0);
	r = journal_get(j, journal_count(j) - 1);
	assert_int_equal(json_array_size(json_object_get(r->frame, "steps")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(
				 json_object_get(r->frame, "steps"), 0), 0)), first);

	print_message("case: every other step, newest first: too many ranges for one record\n");
	for (i = 0; i < HALF; i++)
		ids[i] = first + 2 * (HALF - 1 - i);
	last = journal_last_seq(j);
	assert_int_equal(journal_append_outcomes(j, JOURNAL_DONE, "test.file", ids, HALF), 0);
	assert_true(journal_last_seq(j) > last + 1);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);

	assert_int_equal(journal_open(path, JOURNAL_READONLY, "CHG-1", &j, &err), 0);
	for (i = 0; i < journal_count(j); i++) {
		r = journal_get(j, i);
		if (r->phase != JOURNAL_DONE)
			continue;
		assert_true(r->step >= first && (r->step - first) % 2 == 0 && !seen[r->step - first]);
		seen[r->step - first] = 1;
		done++;
	}
	assert_int_equal(done, HALF);
	journal_close(j);
	json_decref(step);
	free(steps);
	free(ids);
	free(seen);
}

/* k arrays, one inside the other, around the number 1. */
static json_t *nested(int k)
{
	json_t *v = json_integer(1), *a;

	while (k-- > 0) {
		a = json_array();
		json_array_append_new(a, v);
		v = a;
	}
	return v;
}

struct reader_case {
	const char *name;
	json_t *apply; /* taken */
	int want;      /* from journal_append */
	const char *says; /* in the message of a refusal */
};

/* The writer refuses, writing nothing, what its reader would refuse: values
 * nested deeper than JSONFILE_MAX_DEPTH (counted in the whole record: its
 * own object is level 1) and NUL in a string; what it accepts reads back. */
static void test_writer_refuses_what_reader_refuses(void **state)
{
	struct reader_case cases[] = {
		{ "nested as deep as the reader takes", nested(JSONFILE_MAX_DEPTH - 1), 0, NULL },
		{ "one level deeper", nested(JSONFILE_MAX_DEPTH), CUT_ELIMIT, "deeper than 64" },
		{ "NUL in a string", json_stringn("a\0b", 3), CUT_EINPUT, "NUL" },
		{ "NUL at a word's end", json_stringn("abcdefg\0", 8), CUT_EINPUT, "NUL" },
	};
	const struct journal_record *r;
	struct journal *j;
	struct cut_err err;
	size_t i, count;
	off_t size;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *body = json_pack("{s:s,s:o,s:{},s:s}", "kind", "test.file", "apply",
					 cases[i].apply, "inverse", "describe", cases[i].name);

		print_message("case: %s\n", cases[i].name);
		size = make_journal(1);
		assert_int_equal(journal_open(path, 0, NULL, &j, &err), 0);
		count = journal_count(j);
		assert_int_equal(journal_append(j, JOURNAL_INTENT, body, NULL), cases[i].want);
		assert_int_equal(journal_error(j, &err), cases[i].want);
		if (cases[i].says) {
			assert_non_null(strstr(err.msg, cases[i].says));
			assert_non_null(strstr(err.msg, "nothing of it was written"));
			assert_true(strlen(err.hint) > 0);
			assert_int_equal(journal_count(j), count);
		}
		assert_int_equal(journal_sync(j, &err), 0); /* a refusal does not stop the journal */
		journal_close(j);
		if (cases[i].says) {
			struct stat st;
			assert_int_equal(stat(path, &st), 0);
			assert_int_equal(st.st_size, size);
		}
		assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
		assert_int_equal(journal_count(j), cases[i].want ? count : count + 1);
		r = journal_get(j, journal_count(j) - 1);
		if (!cases[i].want)
			assert_true(json_equal(json_object_get(r->body, "apply"),
					       json_object_get(body, "apply")));
		journal_close(j);
		json_decref(body);
	}
}

/* A batch the writer splits (too big for one record) whose last part is
 * refused: no part of it is left to be written. */
static void test_refused_batch_leaves_nothing(void **state)
{
	char *pad = xmalloc(JOURNAL_RECORD_MAX / 2 + 1);
	struct journal *j;
	struct cut_err err;
	json_t *steps[3];
	uint64_t first, last;
	size_t i;

	(void)state;
	memset(pad, 'x', JOURNAL_RECORD_MAX / 2);
	pad[JOURNAL_RECORD_MAX / 2] = '\0';
	make_journal(1);
	assert_int_equal(journal_open(path, 0, NULL, &j, &err), 0);
	last = journal_last_seq(j);
	for (i = 0; i < 3; i++)
		steps[i] = step_body((int)i, pad);
	json_object_set_new(json_object_get(steps[2], "apply"), "nul", json_stringn("\0", 1));
	assert_int_equal(journal_append_intents(j, "test.file", steps, 3, &first), CUT_EINPUT);
	assert_int_equal(journal_last_seq(j), last);
	assert_int_equal(journal_count(j), 2);
	assert_int_equal(journal_sync(j, &err), 0);
	journal_close(j);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(journal_count(j), 2);
	journal_close(j);
	for (i = 0; i < 3; i++)
		json_decref(steps[i]);
	free(pad);
}

/* Appends a frame by hand, for records cutover never writes. */
static void append_raw(uint64_t seq, const char *body)
{
	unsigned char head[24];
	uint32_t len = (uint32_t)strlen(body);
	int fd = open(path, O_WRONLY | O_APPEND);
	int i;

	for (i = 0; i < 4; i++) {
		head[i] = (unsigned char)(0xC0DEC0DEu >> (24 - 8 * i));
		head[4 + i] = (unsigned char)(len >> (24 - 8 * i));
	}
	for (i = 0; i < 8; i++)
		head[8 + i] = (unsigned char)(seq >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		head[16 + i] = (unsigned char)(crc32c(0, body, len) >> (24 - 8 * i));
	for (i = 0; i < 4; i++)
		head[20 + i] = (unsigned char)(crc32c(0, head, 20) >> (24 - 8 * i));
	assert_int_equal(write(fd, head, 24), 24);
	assert_int_equal(write(fd, body, len), (ssize_t)len);
	close(fd);
}

/* Groups that cannot be: refused as damage, never half read. Format 1
 * journals (no groups) are still read. */
static void test_bad_groups(void **state)
{
	static const char *const bad[] = {
		"{\"phase\":\"done\",\"steps\":[[2,9]]}",       /* names a step after it */
		"{\"phase\":\"done\",\"steps\":[[3,2]]}",       /* backwards */
		"{\"phase\":\"done\",\"steps\":[[0,1]]}",       /* step 0 */
		"{\"phase\":\"done\",\"steps\":[2]}",           /* not a range */
		"{\"phase\":\"intent\",\"steps\":[]}",          /* an empty group */
		"{\"phase\":\"intent\",\"steps\":[1]}",         /* not a step */
	};
	struct journal *j;
	struct cut_err err;
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_journal(2);
		append_raw(4, bad[i]);
		append_raw(5, "{\"phase\":\"note\"}"); /* a valid frame after: damage, not a torn tail */
		assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), CUT_ECORRUPT);
	}
	make_journal(2);
	append_raw(4, "{\"phase\":\"undone\",\"steps\":[[2,3]]}");
	append_raw(5, "{\"phase\":\"note\",\"steps\":99}"); /* a note's own "steps" */
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(journal_count(j), 1 + 2 + 2 + 1);
	assert_int_equal(journal_get(j, 5)->phase, JOURNAL_NOTE);
	journal_close(j);

	make_journal(2);
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "\0\0\0\1", 4, 8), 4); /* format 1 */
	close(fd);
	assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), 0);
	assert_int_equal(journal_count(j), 3);
	journal_close(j);
}

struct named_damage_case {
	const char *name;
	uint64_t seq;       /* of the bad frame (5 is next) */
	const char *body;
	bool more;          /* a valid frame after it */
	const char *says;
};

static const struct named_damage_case named_damage_cases[] = {
	{ "out of sequence, the last frame", 9, "{\"phase\":\"note\"}", false, "numbered 9" },
	{ "out of sequence, frames after it", 9, "{\"phase\":\"note\"}", true, "numbered 9" },
	{ "not a journal record, the last frame", 5, "{\"phase\":\"bogus\"}", false,
	  "not a journal record" },
};

/* Damage names the record where it is (the seq that belongs there), and
 * says "with valid records after it" only when there are. */
static void test_damage_names_record(void **state)
{
	struct journal *j;
	struct cut_err err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(named_damage_cases); i++) {
		const struct named_damage_case *c = &named_damage_cases[i];

		print_message("case: %s\n", c->name);
		make_journal(3);
		append_raw(c->seq, c->body);
		if (c->more)
			append_raw(c->seq + 1, "{\"phase\":\"note\"}");
		assert_int_equal(journal_open(path, JOURNAL_READONLY, NULL, &j, &err), CUT_ECORRUPT);
		assert_non_null(strstr(err.msg, "where record 5 belongs"));
		assert_non_null(strstr(err.msg, c->says));
		assert_true(!strstr(err.msg, "with valid records after it") == !c->more);
		assert_true(!strstr(err.msg, "the last record in the file") == c->more);
	}
}

/* Known answers of CRC-32C (RFC 3720, B.4), across the 8-byte steps and tail. */
static void test_crc32c_known_answers(void **state)
{
	unsigned char zeros[32] = { 0 }, ones[32], inc[32];
	size_t i;

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (i = 0; i < sizeof(inc); i++)
		inc[i] = (unsigned char)i;
	assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c(0, zeros, 32), 0x8A9136AAu);
	assert_int_equal(crc32c(0, ones, 32), 0x62A8AB43u);
	assert_int_equal(crc32c(0, inc, 32), 0x46DD794Eu);
	/* chaining gives the same as one call */
	assert_int_equal(crc32c(crc32c(0, "12345", 5), "6789", 4), 0xE3069283u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_known_answers),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_name_their_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outcome_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_created_not_yet_synced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_refuses_what_reader_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_batch_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_in_the_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_names_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_names_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_any_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_readonly_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
