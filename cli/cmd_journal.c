#include "cli.h"

int cmd_journal(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cli, NULL, "\"journal\" is not available yet in this build");
}
