#!/usr/bin/env bash
# Fails if C sources use functions the project bans (docs/HACKING.md):
# unbounded copies and parsers that cannot report errors.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|sscanf|strtok)[[:space:]]*\('
hits=$(git ls-files '*.c' '*.h' 2>/dev/null | xargs -r grep -nE "$banned" | grep -vE '^\S+:[0-9]+:\s*(\*|//|/\*)' || true)
if [ -n "$hits" ]; then
	echo "banned functions used (see docs/HACKING.md):"
	echo "$hits"
	exit 1
fi
echo "checksrc: 1 passed, 0 failed"
