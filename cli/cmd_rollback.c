#include "cli.h"

int cmd_rollback(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cli, NULL, "\"rollback\" is not available yet in this build");
}
