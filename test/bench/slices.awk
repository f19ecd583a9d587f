# Used by test/bench/lib.sh.
# Default: the lines "S req/s p99 errors" (static file) and "R req/s p99 errors" (route) of
# one sliced row, in the order run (S R S R ... R S) → "req/s static ratio min max p99 errors":
# the mean rates, the median of each route slice's rate over the mean of the static slices on
# either side and the lowest and highest of those, the median p99, the errors summed.
# combine=1: lines "req/s static ratio min max p99 errors" → one such line of their medians,
# the spread over all of them and the errors summed.
function median(a, n,    i, j, t) {
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
}
BEGIN { nr = 0; ns = 0 }
!combine && $1 == "S" { s[ns++] = $2 }
!combine && $1 == "R" { r[nr] = $2; p[nr] = $3; err += $4; nr++ }
combine && NF == 7 {
    r[nr] = $1; st[nr] = $2; q[nr] = $3; p[nr] = $6; err += $7
    if (nr == 0 || $4 < lo) lo = $4
    if (nr == 0 || $5 > hi) hi = $5
    nr++
}
END {
    if (nr == 0) { print "bench: no slices measured" > "/dev/stderr"; exit 1 }
    if (combine) {
        printf "%.0f %.0f %.2f %.2f %.2f %.2f %d\n", median(r, nr), median(st, nr), median(q, nr),
            lo, hi, median(p, nr), err
        exit 0
    }
    if (ns != nr + 1) { print "bench: slices out of order" > "/dev/stderr"; exit 1 }
    for (i = 0; i < nr; i++) {
        b = (s[i] + s[i + 1]) / 2
        q[i] = b > 0 ? r[i] / b : 0
        if (i == 0 || q[i] < lo) lo = q[i]
        if (i == 0 || q[i] > hi) hi = q[i]
        rt += r[i]
    }
    for (i = 0; i < ns; i++) stt += s[i]
    printf "%.0f %.0f %.2f %.2f %.2f %.2f %d\n", rt / nr, stt / ns, median(q, nr), lo, hi,
        median(p, nr), err
}
