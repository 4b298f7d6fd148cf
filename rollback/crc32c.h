/* rollback/crc32c.h — CRC-32C (Castagnoli), the journal's frame checksum. */
#ifndef CUTOVER_ROLLBACK_CRC32C_H
#define CUTOVER_ROLLBACK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
