#include "crc32c.h"

#include <pthread.h>
#include <string.h>

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). On x86-64 CPUs with
 * SSE4.2 the crc32 instruction does 8 bytes a step; elsewhere a byte table,
 * built once (pthread_once, so threads may checksum at once). */

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_build(void)
{
	uint32_t i, b;
	int k;

	for (i = 0; i < 256; i++) {
		b = i;
		for (k = 0; k < 8; k++)
			b = (b >> 1) ^ (0x82F63B78u & (0u - (b & 1u)));
		table[i] = b;
	}
}

static uint32_t crc32c_sw(uint32_t crc, const unsigned char *p, size_t len)
{
	pthread_once(&table_once, table_build);
	while (len--)
		crc = (crc >> 8) ^ table[(crc ^ *p++) & 0xffu];
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p,
							      size_t len)
{
	uint64_t c = crc, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}

static int have_sse42(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse4.2");
}
#else
static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t len)
{
	return crc32c_sw(crc, p, len);
}

static int have_sse42(void)
{
	return 0;
}
#endif

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	crc = ~crc;
	crc = have_sse42() ? crc32c_hw(crc, p, len) : crc32c_sw(crc, p, len);
	return ~crc;
}
