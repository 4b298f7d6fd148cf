/* Fuzz target: the journal reader (frames, checksums, torn tails, records),
 * read-only and salvaging, from a memory file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("journal", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		read_journal(path, JOURNAL_READONLY);
		read_journal(path, JOURNAL_READONLY | JOURNAL_SALVAGE);
	}
	close(fd);
	return 0;
}
