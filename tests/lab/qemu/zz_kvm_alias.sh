#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# zz_kvm_alias: vmxlab.ko kvm_alias=1 answers as /dev/kvm (misc minor 232)
# when kvm.ko is not loaded, and refuses to load, saying why, when it is.
# A lab selftest (busybox sh, kselftest TAP). It unloads and reloads
# vmxlab.ko and Debian's KVM modules, and leaves them as it found them
# (both loaded, vmxlab without the alias), so it runs near the end.
KO=${VMXLAB_KO:-/lib/modules/vmxlab.ko}
MODS=/lib/modules
pass=0
fail=0
n=0

result()	# result ok|fail NAME [DETAIL]
{
	n=$((n + 1))
	if [ "$1" = ok ]; then
		pass=$((pass + 1)); echo "ok $n $2"
	else
		fail=$((fail + 1)); echo "not ok $n $2 ${3:-}"
	fi
}

echo "TAP version 13"
rmmod vmxlab || result fail "rmmod vmxlab"

# kvm.ko holds minor 232: the alias must refuse, clearly.
dmesg -c >/dev/null
if insmod $KO kvm_alias=1 2>/dev/null; then
	result fail "kvm_alias=1 refused while kvm.ko is loaded" "(it loaded)"
	rmmod vmxlab
else
	result ok "kvm_alias=1 refused while kvm.ko is loaded"
fi
if dmesg | grep -q "kvm_alias=1: /dev/kvm (misc minor 232) is taken: unload kvm_intel and kvm first"; then
	result ok "the refusal says what to do"
else
	result fail "the refusal says what to do"
	dmesg | tail -n 5 | sed 's/^/#   /'
fi

# Without kvm.ko, vmxlab is /dev/kvm.
rmmod kvm_intel && rmmod kvm || result fail "rmmod kvm_intel kvm"
if insmod $KO kvm_alias=1; then
	result ok "kvm_alias=1 loads without kvm.ko"
	dev=$(cat /sys/class/misc/kvm/dev 2>/dev/null)
	if [ "$dev" = "10:232" ] && [ -c /dev/kvm ] && [ -c /dev/vmxlab ]; then
		result ok "/dev/kvm is misc 10:232, /dev/vmxlab still there"
	else
		result fail "/dev/kvm is misc 10:232, /dev/vmxlab still there" "(dev=$dev)"
	fi
	rmmod vmxlab || result fail "rmmod vmxlab (alias)"
	if [ -e /sys/class/misc/kvm ]; then
		result fail "the alias goes with the module"
	else
		result ok "the alias goes with the module"
	fi
else
	result fail "kvm_alias=1 loads without kvm.ko"
fi

# As it was: KVM, then vmxlab without the alias.
# (Since 6.12 kvm takes VMX at load unless told not to, as init.sh says.)
kvm_args=
grep -q enable_virt_at_load $MODS/kvm.ko && kvm_args=enable_virt_at_load=0
insmod $MODS/kvm.ko $kvm_args && insmod $MODS/kvm-intel.ko ||
	result fail "reload kvm kvm_intel"
insmod $KO dyndbg=+p || result fail "reload vmxlab"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
