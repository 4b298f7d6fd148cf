/* A test-only step kind, "test.file": a step sets a file's content from
 * "from" to "to" (payload {"path", "from", "to"}). Compare-and-swap like the
 * real kinds: content already "to" is done; neither "from" nor "to" is
 * CUT_ECONFLICT unless ctx->force. A file named in "fail_on" content makes
 * the step fail (to test failures). */
#ifndef CUTOVER_TEST_TESTKIND_H
#define CUTOVER_TEST_TESTKIND_H

#include "step.h"

extern const struct step_kind test_file_kind;

/* Builds a step that moves path from "from" to "to". */
void test_file_step(struct step *s, const char *path, const char *from, const char *to);

/* Content of a file (static buffer), "" if missing. */
const char *test_file_read(const char *path);
void test_file_write(const char *path, const char *content);

#endif
