#include "tmpdir.h"

#include <stdio.h>
#include <stdlib.h>

int tmpdir_make(char *dir, size_t size, const char *stem)
{
	if ((size_t)snprintf(dir, size, "/tmp/cut-%s-XXXXXX", stem) >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

int tmpdir_remove(const char *dir)
{
	char cmd[256];

	if ((size_t)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= sizeof(cmd))
		return -1;
	return system(cmd);
}
