#include "cli.h"

int cmd_confirm(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cli, NULL, "\"confirm\" is not available yet in this build");
}
