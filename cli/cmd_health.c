#include "cli.h"

int cmd_health(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cli, NULL, "\"health\" is not available yet in this build");
}
