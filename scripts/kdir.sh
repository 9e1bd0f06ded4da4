#!/bin/bash
# Print the kernel build tree to build vmxlab.ko against: the running
# kernel's if it has one, else the headers that Debian's linux-headers-amd64
# metapackage points at (so the lab kernel and the module always agree).
set -euo pipefail

running=/lib/modules/$(uname -r)/build
if [ -d "$running" ]; then
	echo "$running"
	exit 0
fi
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	grep -o 'linux-headers-[0-9][^ ,]*' | head -n1) || true
if [ -n "$dep" ] && [ -d "/usr/src/$dep" ]; then
	echo "/usr/src/$dep"
	exit 0
fi
echo "kdir.sh: no kernel headers; install linux-headers-amd64 or set KDIR" >&2
exit 1
