/* Fuzz target: the journal reader (frames, checksums, torn tails, records,
 * groups), read-only and salvaging, from a memory file: the input as a whole
 * file, and as record bodies in valid frames. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crc32c.h"
#include "journal.h"
#include "rollback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_journal(const char *path, int flags)
{
	struct rollback_report rep;
	struct journal *j;
	struct cut_err err;

	if (journal_open(path, flags, NULL, &j, &err) < 0)
		return;
	if (rollback_pending(j, &rep) == 0)
		rollback_report_free(&rep);
	journal_close(j);
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static bool put_frame(int fd, uint64_t seq, const void *body, size_t len)
{
	unsigned char head[24];

	put_be(head, JOURNAL_FRAME_MAGIC, 4);
	put_be(head + 4, len, 4);
	put_be(head + 8, seq, 8);
	put_be(head + 16, crc32c(0, body, len), 4);
	put_be(head + 20, crc32c(0, head, 20), 4);
	return write(fd, head, 24) == 24 && write(fd, body, len) == (ssize_t)len;
}

/* The input as record bodies with valid frames (split at each "\n\n"), after
 * a header: checksums never stop the fuzzer from reaching the records (intent
 * and outcome groups, steps, phases). */
static void as_bodies(int fd, const uint8_t *data, size_t size)
{
	static const char head[] = "{\"phase\":\"header\",\"change\":\"CHG-F\"}";
	unsigned char file[12] = "CUTJRNL\n";
	size_t at = 0;
	uint64_t seq = 2;

	put_be(file + 8, JOURNAL_VERSION, 4);
	if (write(fd, file, 12) != 12 || !put_frame(fd, 1, head, sizeof(head) - 1))
		return;
	while (at < size) {
		const uint8_t *end = memmem(data + at, size - at, "\n\n", 2);
		size_t len = end ? (size_t)(end - (data + at)) : size - at;
		if (!put_frame(fd, seq++, data + at, len))
			return;
		at += len + (end ? 2 : 0);
	}
}

static void read_file(const uint8_t *data, size_t size, bool framed)
{
	char path[64];
	int fd = memfd_create("journal", 0);

	if (fd < 0)
		return;
	if (framed)
		as_bodies(fd, data, size);
	if (framed || write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		read_journal(path, JOURNAL_READONLY);
		read_journal(path, JOURNAL_READONLY | JOURNAL_SALVAGE);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_file(data, size, false);
	read_file(data, size, true);
	return 0;
}
