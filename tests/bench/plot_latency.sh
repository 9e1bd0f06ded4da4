#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# plot_latency.sh LOG OUTDIR [TSC_KHZ]: the plots of a lab run of
# tests/bench/latency.sh, drawn on the host with gnuplot (gnuplot-nox):
# per source, a CDF with every hypervisor, irqchip mode and guest state
# overlaid, and a histogram of the same, each as PNG and SVG. The data
# are the "# cdf" lines (every tenth sorted sample of each run). The x
# axis is in TSC ticks; with the TSC frequency (TSC_KHZ, else the runs'
# JSON "tsc_khz") the top axis reads the same in microseconds.
set -eu
log=$1
out=$2
khz=${3:-$(sed -n 's/.*"tsc_khz": \([0-9]*\).*/\1/p' "$log" | head -n1)}
khz=${khz:-0}
mkdir -p "$out"
sed -n 's/^.*# cdf //p' "$log" | tr -d '\r' >"$out/cdf.dat"
[ -s "$out/cdf.dat" ] || { echo "plot_latency: no '# cdf' lines in $log" >&2; exit 1; }
for src in $(cut -d' ' -f2 "$out/cdf.dat" | sort -u); do
	case $src in
	timer) what="TSC deadline to handler" ;;
	oneshot) what="one-shot timer, calibrated deadline to handler" ;;
	*) what="trigger to handler" ;;
	esac
	plots= hist=
	for run in $(awk -v s="$src" '$2 == s { print $1 "-" $3 "-" $4 }' "$out/cdf.dat" | sort -u); do
		set -- $(echo "$run" | tr '-' ' ')
		f="$out/cdf-$src-$run.dat"
		awk -v h="$1" -v s="$src" -v c="$2" -v w="$3" \
			'$1 == h && $2 == s && $3 == c && $4 == w { print $5, $6 }' \
			"$out/cdf.dat" >"$f"
		n=$(tail -1 "$f" | cut -d' ' -f1)
		x="(\$2)"
		# A colour per hypervisor and irqchip, solid halted, dashed
		# spinning, dotted with a CPU hog.
		case $1-$2 in
		vmxlab-kernel) lc='#c0392b' ;; vmxlab-split) lc='#e67e22' ;;
		vmxlab-user) lc='#b7950b' ;; kvm-kernel) lc='#1f4e9c' ;;
		kvm-split) lc='#17a2b8' ;; *) lc='#7d3c98' ;;
		esac
		dt=1
		case $3 in spinning*) dt=2 ;; esac
		case $3 in *hog*) dt=3 ;; esac
		style="lw 2 lc rgb '$lc' dt $dt"
		plots="$plots${plots:+, }'$f' using $x:(\$1 / $n.0) with lines $style title '$1 $2 $3'"
		hist="$hist${hist:+, }'$f' using ($x <= xmax ? floor($x / bw) * bw : 1/0):(10.0 / $n) smooth frequency with steps $style title '$1 $2 $3'"
	done
	# The top axis: the bottom one's range, after a dry run, in us.
	us_axis=
	if [ "$khz" -gt 0 ]; then
		us_axis="set x2range [GPVAL_X_MIN * 1000.0 / $khz : GPVAL_X_MAX * 1000.0 / $khz]
set x2label 'latency (microseconds at $khz kHz)'
set x2tics"
	fi
	for term in "pngcairo size 900,600" "svg size 900,600"; do
		ext=${term%% *}; ext=${ext#png}; ext=${ext:-png}
		[ "$ext" = cairo ] && ext=png
		gnuplot <<GP
set terminal dumb
set output '/dev/null'
set title 'vmxlab bench latency: $src, $what (CDF)'
set xlabel 'latency (TSC ticks)'
set ylabel 'fraction of samples'
set key bottom right
set grid
set logscale x
set logscale x2
plot $plots
$us_axis
set terminal $term
set output '$out/latency-$src-cdf.$ext'
replot
GP
		# Bins and range from the 99th percentile of all runs: the rare
		# long tails are the CDF's to show.
		set -- $(awk '{ print $2 }' "$out"/cdf-$src-*.dat | sort -n | awk '{ v[NR] = $1 } END { w = (v[int(NR * 0.99)] - v[1]) / 40; if (w < 1) w = 1; print w, int(v[int(NR * 0.99)] * 1.2) + 1 }')
		bw=$1 xmax=$2
		gnuplot <<GP
set terminal dumb
set output '/dev/null'
set title 'vmxlab bench latency: $src, $what (histogram)'
set xlabel 'latency (TSC ticks)'
set ylabel 'fraction of samples per bin'
set grid
bw = $bw
xmax = $xmax
set xrange [0:xmax]
plot $hist
$us_axis
set terminal $term
set output '$out/latency-$src-histogram.$ext'
replot
GP
	done
	echo "plot_latency: $out/latency-$src-cdf.png .svg, $out/latency-$src-histogram.png .svg"
done
