#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the guest that QEMU boots inside the lab (tests/lab/qemu): the
# marker says the guest's kernel came up to userspace, with how many CPUs;
# then power off through ACPI, which makes QEMU exit at once.
export PATH=/bin
mount -t proc proc /proc
echo "QEMU-GUEST: init reached cpus=$(grep -c ^processor /proc/cpuinfo)"
poweroff -f
