#include "cli.h"

int cmd_route(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cli, NULL, "\"route\" is not available yet in this build");
}
