#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# layout-deps.sh [GROUP...]: which functions each part of module/ takes
# from the others, read off the built objects with nm (build the module
# first: make module). A group is a folder of module/ (vmx, mmu, emul,
# irq, irq/kernel, net) or "core" for the files at the top. For each
# ordered pair of groups it prints the symbols one defines and the other
# uses, then a count per pair. Kernel symbols (not defined in module/)
# are ignored: this is about the module's own layering.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/module"

group_of()	# the group of object file $1
{
	case $1 in
	vmx/*)		echo vmx ;;
	mmu/*)		echo mmu ;;
	emul/*)		echo emul ;;
	irq/kernel/*)	echo irq/kernel ;;
	irq/*)		echo irq ;;
	net/*)		echo net ;;
	*/*)		echo "${1%%/*}" ;;
	*)		echo core ;;
	esac
}

# The objects Kbuild links into vmxlab.ko, not stale ones left around.
objs=$(grep -o 'module/[^ ]*\.o' "$top/Kbuild" | sed 's|^module/||' | sort)
for o in $objs; do
	[ -f "$o" ] || { echo "layout-deps: no $o; run make module" >&2; exit 1; }
done

declare -A defined_in
for o in $objs; do
	g=$(group_of "$o")
	while read -r sym; do
		defined_in[$sym]=$g
	done < <(nm --defined-only "$o" | awk '$2 ~ /^[TtDdBbRr]$/ && $3 !~ /^\./ { print $3 }')
done

declare -A uses
for o in $objs; do
	g=$(group_of "$o")
	while read -r sym; do
		d=${defined_in[$sym]:-}
		[ -n "$d" ] && [ "$d" != "$g" ] || continue
		uses["$g <- $d"]+="$sym "
	done < <(nm --undefined-only "$o" | awk '{ print $2 }')
done

for pair in $(printf '%s\n' "${!uses[@]}" | sed 's/ <- /<-/' | sort); do
	key=${pair/<-/ <- }
	syms=$(tr ' ' '\n' <<<"${uses[$key]}" | sed '/^$/d' | sort -u)
	echo "$key: $(wc -l <<<"$syms") function(s)"
	sed 's/^/    /' <<<"$syms"
done
