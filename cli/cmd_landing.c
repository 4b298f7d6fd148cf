#include "cli.h"

int cmd_landing(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cli, NULL, "\"landing\" is not available yet in this build");
}
