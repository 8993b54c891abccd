# bench/stats.sh - sourced by the benchmarks that measure in rounds.
#
#   echo "1.2 0.9 1.4" | median    -> 1.2 (the middle value; of an even
#                                     count, the mean of the middle two)
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
