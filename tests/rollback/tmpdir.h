/* tests/rollback/tmpdir.h — a scratch folder for a test, removed after it. */
#ifndef CUTOVER_TESTS_ROLLBACK_TMPDIR_H
#define CUTOVER_TESTS_ROLLBACK_TMPDIR_H

#include <stddef.h>

/* Makes /tmp/cut-STEM-XXXXXX into dir (size bytes); -1 when it cannot. */
int tmpdir_make(char *dir, size_t size, const char *stem);
/* Removes it and all it holds; 0 when done. */
int tmpdir_remove(const char *dir);

#endif
