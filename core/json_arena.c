/* core/json_arena.c — the JSON values of a file being read, from one region.
 *
 * Reading a plan of 10,000 routes makes ~230,000 jansson allocations (an
 * object, its hash buckets, a pair per member, a string and its text), and
 * malloc's bookkeeping was a third of the reading. While a thread reads a
 * file (json_arena_begin .. json_arena_end), jansson's allocations on that
 * thread come from one reserved region instead, by moving a pointer. Such
 * values are never given back one by one: freeing one is a no-op, the region
 * lives as long as the process (a plan is read once and kept to the end).
 * Everything else jansson allocates — on other threads, or outside a
 * reading — goes to malloc and free as before.
 *
 * Sanitizer builds do not use the region (CUT_FREE_AT_EXIT), so ASan still
 * sees every value's allocation, overflow and free.
 */
#include "json_arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util.h"

/* Address space only: pages are touched as values are made. 16 MiB of text
 * (JSONFILE_MAX_BYTES) makes well under 1 GiB of values; past the end,
 * values come from malloc. */
#define REGION_BYTES ((size_t)1 << 30)
#define ALIGN 16

static char *region;                /* NULL: not reserved (or no room for it) */
static atomic_size_t region_used;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Thread_local int reading;   /* nesting depth of begin/end on this thread */

static bool owns(const void *p)
{
	return region && (const char *)p >= region && (const char *)p < region + REGION_BYTES;
}

static void *arena_malloc(size_t n)
{
	size_t size = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1), at;

	if (!reading || !region)
		return malloc(n);
	at = atomic_fetch_add(&region_used, size);
	if (at + size > REGION_BYTES)
		return malloc(n);
	return region + at;
}

static void arena_free(void *p)
{
	if (!owns(p))
		free(p);
}

static void setup(void)
{
	void *m = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (m == MAP_FAILED)
		return; /* values come from malloc, as without the region */
	region = m;
	json_set_alloc_funcs(arena_malloc, arena_free);
}

void json_arena_begin(void)
{
	if (CUT_FREE_AT_EXIT)
		return;
	pthread_once(&once, setup);
	reading++;
}

void json_arena_end(void)
{
	if (CUT_FREE_AT_EXIT)
		return;
	reading--;
}
