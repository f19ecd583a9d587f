# Used by test/bench/lib.sh: the first file is a run's rows ("row<TAB>name<TAB>req/s<TAB>static
# <TAB>ratio<TAB>min<TAB>max<TAB>..."), the second test/bench/targets. For each target of
# `suite`: its value (the row's ratio, or the row's ratio over the divisor row's) with the
# spread (min over the divisor's max, max over its min), and whether it reaches the minimum.
# Prints "target<TAB>label<TAB>value<TAB>lo<TAB>hi<TAB>minimum<TAB>met|not met|not measured".
FNR == NR { if ($1 == "row") { q[$2] = $5; lo[$2] = $6; hi[$2] = $7 } next }
/^#/ || NF < 5 || $1 != suite { next }
{
    label = $2; name = $3; div = $4; min = $5
    if (!(name in q) || (div != "-" && !(div in q)) || q[name] == "-") {
        printf "target\t%s\t-\t-\t-\t%s\tnot measured\n", label, min
        next
    }
    v = q[name]; l = lo[name]; h = hi[name]
    if (div != "-") {
        if (q[div] <= 0 || lo[div] <= 0) { v = 0; l = 0; h = 0 }
        else { v = v / q[div]; l = l / hi[div]; h = h / lo[div] }
    }
    verdict = (v + 0 >= min + 0) ? "met" : "not met"
    printf "target\t%s\t%.2f\t%.2f\t%.2f\t%s\t%s\n", label, v, l, h, min, verdict
}
