/* rollback/journal.h — the durable journal of one change.
 *
 * One append-only file per change. Nothing acts before its intent is on
 * disk: a capability appends the intents of a batch (each with its exact
 * inverse), calls journal_sync() once, acts, then appends the outcomes.
 *
 * File format (docs/journal-format.md):
 *     "CUTJRNL\n" + u32 format version (big-endian)        12 bytes
 *     frames, each:
 *       u32 magic 0xC0DEC0DE | u32 body length | u64 seq |
 *       u32 crc32c(body) | u32 crc32c(the 20 header bytes before it)
 *       body: one JSON object (UTF-8), see struct journal_record
 * seq counts from 1 with no gaps; record 1 is the header record
 * ({"phase":"header","change":…,"by":"user@host","time":…}).
 * Every record's frame also names its run ("run": "PID-RANDOM"): the same
 * for every record one writer's open wrote, different for each open. A
 * writer holds the lock from open to close, so one run's records are
 * consecutive: the first record of another run after them says that run
 * had ended (closed, or died) by then.
 *
 * Opening tells a torn tail (the file ends inside a frame, or the last frame
 * fails its checksum and nothing valid follows: a crash mid-write) from
 * damage (a bad frame followed by valid ones): the first is cut off with a
 * warning when opened for writing (ignored when read-only); the second is
 * refused with CUT_ECORRUPT and the offset.
 *
 * A writer holds an exclusive lock: flock on the journal file itself, so
 * every path to it (a symlink, a hard link) meets the same lock. PATH.lock,
 * beside the file the path leads to, records "pid user@host time" of the
 * holder for the error of a second writer. The kernel drops the lock when
 * the holder dies.
 *
 * Journals never hold secrets: payloads reference key files and key names.
 */
#ifndef CUTOVER_ROLLBACK_JOURNAL_H
#define CUTOVER_ROLLBACK_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define JOURNAL_MAGIC "CUTJRNL\n"
#define JOURNAL_VERSION 2u /* 2: group records; 1 is still read */
#define JOURNAL_FRAME_MAGIC 0xC0DEC0DEu
#define JOURNAL_RECORD_MAX (4u << 20) /* one record's body */
/* The most a journal file may hold: the writer refuses a record that would
 * pass it, the reader a file that does. (tests/rollback builds journal.c
 * once more with a smaller one, to reach it.) */
#ifndef JOURNAL_FILE_MAX
#define JOURNAL_FILE_MAX (1u << 30)
#endif
#define JOURNAL_RECORDS_MAX (1u << 24) /* steps named by all records, in memory */

enum journal_phase {
	JOURNAL_HEADER,
	JOURNAL_INTENT,      /* about to apply: kind, apply, inverse, describe */
	JOURNAL_DONE,        /* the step is in effect */
	JOURNAL_FAILED,      /* the step was not applied (error says why) */
	JOURNAL_UNDO_INTENT, /* about to apply the inverse */
	JOURNAL_UNDONE,      /* the inverse is in effect */
	JOURNAL_UNDO_FAILED, /* the inverse could not be applied (error) */
	JOURNAL_UNDO_CONFLICT, /* the world changed since: left alone */
	JOURNAL_NOTE,        /* an event: provisional, confirmed, verified, … */
};

const char *journal_phase_name(enum journal_phase p);
int journal_phase_from_name(const char *name); /* -1 when unknown */

/* One record per step: a group record (the intents of a batch, or one
 * outcome for many steps) reads as one journal_record per step it holds.
 * An intent's seq is its step id; the records of an outcome group share the
 * group's seq. */
struct journal_record {
	uint64_t seq;
	uint64_t offset;          /* of its frame in the file */
	enum journal_phase phase;
	const char *kind;         /* intents and their outcomes; NULL otherwise */
	uint64_t step;            /* the intent's seq (its own for an intent); 0 if none */
	json_t *body;             /* the step's own object (apply, inverse, describe;
				   * for a group intent, the element of "steps"),
				   * else the frame; owned by the journal */
	const json_t *frame;      /* the record as written: seq, phase, time, by, run, … */
};

struct journal;

enum {
	JOURNAL_CREATE = 1 << 0,   /* create the file (with its header) if missing */
	JOURNAL_READONLY = 1 << 1, /* no lock, no repair: for show and verify */
	JOURNAL_SALVAGE = 1 << 2,  /* with READONLY: on damage, keep the records
				    * before it and report the damage as the
				    * warning instead of failing (journal show) */
};

/* Opens (and with JOURNAL_CREATE makes) the journal at path. change is the
 * change id for a new file and, when not NULL, must match an existing one's.
 * Reads and checks every record. */
int journal_open(const char *path, int flags, const char *change, struct journal **ret,
		 struct cut_err *err) CUT_MUST_CHECK;

/* Told of each intent step as opening reads it, before the records after
 * it are read: lets a rollback start reading ahead what undoing it will
 * need (rollback.h). step is the step's object (apply, inverse, describe),
 * borrowed for the call. */
struct journal_watch {
	void (*intent)(void *cookie, const char *kind, const json_t *step);
	void *cookie;
};

/* journal_open, telling watch (may be NULL) of every intent it reads. */
int journal_open_watched(const char *path, int flags, const char *change,
			 const struct journal_watch *watch, struct journal **ret,
			 struct cut_err *err) CUT_MUST_CHECK;

/* Closes, releasing the lock. NULL-safe. */
void journal_close(struct journal *j);

/* A warning from opening (a torn tail cut off or ignored), or NULL. */
const char *journal_warning(const struct journal *j);
const char *journal_path(const struct journal *j);
const char *journal_change(const struct journal *j);

size_t journal_count(const struct journal *j);
const struct journal_record *journal_get(const struct journal *j, size_t i);
/* The record with this seq, or NULL. */
const struct journal_record *journal_find(const struct journal *j, uint64_t seq);

/* Appends one record; body's own keys are kept and "seq", "phase", "time",
 * "by" are set by the journal. Not durable until journal_sync. Takes a
 * reference of its own to body. On success *ret_seq (may be NULL) is set. */
int journal_append(struct journal *j, enum journal_phase phase, json_t *body,
		   uint64_t *ret_seq) CUT_MUST_CHECK;

/* Appends the intents of n steps of one kind as one group record (several
 * when one would pass JOURNAL_RECORD_MAX). steps[i] is an object holding
 * "apply", "inverse" and "describe"; the journal takes references of its own.
 * Step i gets the id *first_seq + i. Not durable until journal_sync. */
int journal_append_intents(struct journal *j, const char *kind, json_t *const *steps, size_t n,
			   uint64_t *first_seq) CUT_MUST_CHECK;

/* Appends one outcome record (done, undo-intent, undone, …: results without
 * a message of their own) naming the steps ids[0..n), in any order, as
 * ascending ranges; several records when one would pass JOURNAL_RECORD_MAX
 * (all or none of them). */
int journal_append_outcomes(struct journal *j, enum journal_phase phase, const char *kind,
			    const uint64_t *ids, size_t n) CUT_MUST_CHECK;

/* The highest sequence number used so far (0 for none). */
uint64_t journal_last_seq(const struct journal *j);

/* fsync: everything appended is durable when this returns 0. */
int journal_sync(struct journal *j, struct cut_err *err) CUT_MUST_CHECK;

/* Writes what was appended without waiting for the disk: for outcomes,
 * which a crash of the process cannot lose (the kernel has them) and a power
 * cut only turns back into "unknown" — a rollback then checks those steps
 * against the world, as it does after any crash. */
int journal_flush(struct journal *j, struct cut_err *err) CUT_MUST_CHECK;

/* When a write or sync fails, what followed the last sync is cut off the
 * file and the journal takes no more records: every later append, sync and
 * flush returns that failure's code (journal_close writes nothing more).
 * Appending after bytes of unknown fate would reuse their sequence numbers. */

/* Why the last append failed, or why the journal stopped taking records,
 * for a message (appends return only a code): copies the error (what went
 * wrong, what to do) into err (may be NULL) and returns its code; 0 when
 * the last append succeeded and nothing failed.
 * An append refuses, writing nothing of it, a record the journal's reader
 * would refuse: values nested deeper than JSONFILE_MAX_DEPTH (CUT_ELIMIT),
 * a string holding a NUL character (CUT_EINPUT), a record longer than
 * JOURNAL_RECORD_MAX (-E2BIG); and one that would take the file past
 * JOURNAL_FILE_MAX (CUT_ELIMIT). A batch of intents is appended whole or
 * not at all. */
int journal_error(const struct journal *j, struct cut_err *err);

/* Crash points for tests: when the environment has CUTOVER_CRASH_AT=N at
 * open, the process SIGKILLs itself at the N-th write or fsync point of this
 * journal (CUTOVER_CRASH_TORN=1: writing only half of that frame first).
 * Counting is stable for a given run, so tests can try N = 1, 2, … */

#endif
