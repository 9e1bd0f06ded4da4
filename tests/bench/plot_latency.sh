#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# plot_latency.sh LOG OUTDIR [TSC_KHZ]: the plots of a lab run of
# tests/bench/latency.sh, drawn on the host with gnuplot (gnuplot-nox):
# per source, a CDF with every hypervisor, irqchip mode and guest state
# overlaid, and a histogram of the same, each as PNG and SVG. The data
# are the "# cdf" lines (every tenth sorted sample of each run). With
# TSC_KHZ the x axis is in microseconds, else in TSC ticks.
set -eu
log=$1
out=$2
khz=${3:-0}
mkdir -p "$out"
sed -n 's/^.*# cdf //p' "$log" | tr -d '\r' >"$out/cdf.dat"
[ -s "$out/cdf.dat" ] || { echo "plot_latency: no '# cdf' lines in $log" >&2; exit 1; }
for src in $(cut -d' ' -f2 "$out/cdf.dat" | sort -u); do
	plots= hist=
	for run in $(awk -v s="$src" '$2 == s { print $1 "-" $3 "-" $4 }' "$out/cdf.dat" | sort -u); do
		set -- $(echo "$run" | tr '-' ' ')
		f="$out/cdf-$src-$run.dat"
		awk -v h="$1" -v s="$src" -v c="$2" -v w="$3" \
			'$1 == h && $2 == s && $3 == c && $4 == w { print $5, $6 }' \
			"$out/cdf.dat" >"$f"
		n=$(tail -1 "$f" | cut -d' ' -f1)
		if [ "$khz" -gt 0 ]; then
			x="(\$2 * 1000.0 / $khz)"
		else
			x="(\$2)"
		fi
		plots="$plots${plots:+, }'$f' using $x:(\$1 / $n.0) with lines title '$1 $2 $3'"
		hist="$hist${hist:+, }'$f' using (floor($x / bw) * bw):(10.0 / $n) smooth frequency with steps title '$1 $2 $3'"
	done
	if [ "$khz" -gt 0 ]; then unit="microseconds"; else unit="TSC ticks"; fi
	for term in "pngcairo size 900,600" "svg size 900,600"; do
		ext=${term%% *}; ext=${ext#png}; ext=${ext:-png}
		[ "$ext" = cairo ] && ext=png
		gnuplot <<GP
set terminal $term
set output '$out/latency-$src-cdf.$ext'
set title 'vmxlab bench latency: $src, deadline to handler (CDF)'
set xlabel 'latency ($unit)'
set ylabel 'fraction of samples'
set key bottom right
set grid
set logscale x
plot $plots
GP
		bw=$(awk '{ print $2 }' "$out"/cdf-$src-*.dat | sort -n | awk '{ v[NR] = $1 } END { w = (v[int(NR * 0.99)] - v[1]) / 40; if (w < 1) w = 1; print w }')
		[ "$khz" -gt 0 ] && bw=$(awk -v b="$bw" -v k="$khz" 'BEGIN { print b * 1000.0 / k }')
		gnuplot <<GP
set terminal $term
set output '$out/latency-$src-histogram.$ext'
set title 'vmxlab bench latency: $src, deadline to handler (histogram)'
set xlabel 'latency ($unit)'
set ylabel 'fraction of samples per bin'
set grid
bw = $bw
plot $hist
GP
	done
	echo "plot_latency: $out/latency-$src-cdf.png .svg, $out/latency-$src-histogram.png .svg"
done
