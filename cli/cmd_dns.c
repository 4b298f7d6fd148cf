#include "cli.h"

int cmd_dns(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cli, NULL, "\"dns\" is not available yet in this build");
}
