# SPDX-License-Identifier: GPL-2.0
#
# Interrupt latency with the interrupt controller in the kernel, split, or
# in userspace: the launcher boots user/guests/mbtest with bench=irq under
# each irqchip mode, on /dev/vmxlab and on /dev/kvm. The guest raises an
# IOAPIC line through the ISA test port and times, in guest TSC ticks,
# how long until its handler runs ("delivery") and until it has EOI'd and
# returned ("handled"). mklabtest.sh prepends $MBTEST. Prints TAP, then
# the table after "# IRQ latency".
pass=0 fail=0 n=0 table=
echo "TAP version 13"
for dev in vmxlab kvm; do
	for chip in kernel split user; do
		n=$((n + 1))
		vmxlab run --kernel $MBTEST --device /dev/$dev --irqchip $chip \
			--mem 64 --cmdline "bench=irq" </dev/null >/tmp/irq-bench.out 2>&1
		rc=$?
		line=$(grep '^bench irq: samples' /tmp/irq-bench.out | tr -d '\r')
		if [ $rc -eq 1 ] && [ -n "$line" ]; then
			pass=$((pass + 1))
			echo "ok $n irq latency on /dev/$dev, irqchip $chip"
			set -- $line
			# bench irq: samples N delivery median A p99 B max C handled median D p99 E max F
			table="$table
#   $(printf '%-7s %-7s %8s %8s %8s   %8s %8s %8s' $dev $chip $7 $9 ${11} ${14} ${16} ${18})"
		else
			fail=$((fail + 1))
			echo "not ok $n irq latency on /dev/$dev, irqchip $chip (status $rc)"
			sed 's/^/#   /' /tmp/irq-bench.out | tail -20
		fi
	done
done
echo "# IRQ latency: ISA line raised by a port write, to the guest's handler"
echo "# (delivery) and to its return after EOI (handled); guest TSC ticks, 1000 samples"
echo "#   $(printf '%-7s %-7s %8s %8s %8s   %8s %8s %8s' device irqchip median p99 max median p99 max)"
echo "#   $(printf '%-7s %-7s %8s %8s %8s   %8s %8s %8s' '' '' delivery '' '' handled '' '')$table"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
