#include "crc32c.h"

/* Bitwise table-free form with a lazily built byte table; small and fast
 * enough for journals (records are kilobytes, not gigabytes). */
static uint32_t table_entry(uint32_t b)
{
	int k;

	for (k = 0; k < 8; k++)
		b = (b >> 1) ^ (0x82F63B78u & (0u - (b & 1u)));
	return b;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	static int ready;
	const unsigned char *p = data;
	uint32_t i;

	if (!ready) {
		for (i = 0; i < 256; i++)
			table[i] = table_entry(i);
		ready = 1;
	}
	crc = ~crc;
	while (len--)
		crc = (crc >> 8) ^ table[(crc ^ *p++) & 0xffu];
	return ~crc;
}
