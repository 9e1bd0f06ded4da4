# SPDX-License-Identifier: GPL-2.0
#
# vmxlab bench latency in the lab, on /dev/vmxlab and /dev/kvm: the
# TSC-deadline timer source with the irqchip in the kernel, split and in
# userspace (the launcher's LAPIC, its MSR trapped by a filter), the
# one-shot LAPIC timer in the same three homes, the
# device source (a host thread's interrupt) and the ipi source (vCPU 0
# to vCPU 1) with the irqchip in the kernel, split and in userspace (the
# device source also with a host CPU hog, kernel and user), and the net
# source (a frame into a tap) with each backend, the irqchip in the
# kernel and in userspace. mklabtest.sh prepends $MBTEST.
# BENCH_SAMPLES (default 1000 here: lab time is ~45x slow) samples per
# guest state after BENCH_WARMUP; real hardware keeps the command's
# default of 10,000. Prints TAP, each run's percentiles, then each run's
# JSON, then "# Totals:".
SAMPLES=${BENCH_SAMPLES:-1000}
WARMUP=${BENCH_WARMUP:-100}
OUT=/tmp/bench
pass=0 fail=0 n=0
echo "TAP version 13"
result()
{
	n=$((n + 1))
	if [ "$1" = ok ]; then
		pass=$((pass + 1)); echo "ok $n $2"
	else
		fail=$((fail + 1)); echo "not ok $n $2"
		sed 's/^/#   /' /tmp/bench.out | tail -20
	fi
}
echo "# bench latency: $SAMPLES samples per state after $WARMUP (lab; 10000 is the default)"
# RUN is SOURCE,IRQCHIP[,hog]: oneshot is the timer source with --timer
# oneshot; net:B the net source with --backend B; hog adds --hog 1 (one
# host thread spinning on vCPU 0's CPU), for the device source's tail.
for run in timer,kernel timer,split timer,user oneshot,kernel oneshot,split \
	   oneshot,user device,kernel device,split device,user \
	   device,kernel,hog device,user,hog ipi,kernel ipi,split ipi,user \
	   net:user,kernel net:user,user net:vmxlab,kernel net:vmxlab,user \
	   net:vhost-net,kernel net:vhost-net,user; do
	set -- $(echo $run | tr ',' ' ')
	src=$1 chip=$2 extra= label=$1
	[ "$src" = oneshot ] && src=timer extra="--timer oneshot"
	case $src in net:*) extra="--backend ${src#net:}" src=net ;; esac
	[ "${3:-}" = hog ] && extra="--hog 1" label="$1 with a CPU hog"
	for dev in vmxlab kvm; do
		vmxlab bench latency --source $src --irqchip $chip $extra \
			--device /dev/$dev --samples $SAMPLES --warmup $WARMUP \
			--kernel $MBTEST --out $OUT </dev/null >/tmp/bench.out 2>&1
		rc=$?
		if [ $rc -eq 0 ] && [ "$(grep -c '^bench latency: .* samples '"$SAMPLES"' median' /tmp/bench.out)" -eq 2 ]; then
			result ok "$label latency on /dev/$dev, irqchip $chip"
			grep "^bench latency: [a-z]* [a-z_]* irqchip\|^bench latency: .*CPU\|interrupts lost\|^bench timer: " \
				/tmp/bench.out | sed 's/^/# /'
		else
			result fail "$label latency on /dev/$dev, irqchip $chip (status $rc)"
		fi
	done
done
# Every tenth sorted sample of each run, for the CDF plots
# (tests/bench/plot_latency.sh): "# cdf HYP SOURCE IRQCHIP WAIT RANK TICKS",
# WAIT "halted+hog1" for latency-HYP-SOURCE-IRQCHIP-halted-hog1.csv.
for f in $OUT/*.csv; do
	[ -f "$f" ] || continue
	set -- $(basename "$f" .csv | tr '-' ' ')
	cut -d, -f6 "$f" | grep '^[0-9]' | sort -n |
		awk -v tag="$2 $3 $4 $5${6:++$6}" 'NR % 10 == 0 { print "# cdf " tag " " NR " " $1 }'
done
for f in $OUT/*.json; do
	[ -f "$f" ] || continue
	echo "# json $f"
	sed 's/^/# json /' "$f"
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
