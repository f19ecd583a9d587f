# Sessions (sourced by test/bench/run.sh after the users are seeded; uses $top, $root, $base,
# row, row_script). GET /api/sessions: the bench user's page of 10 out of 60 sessions.
# POST /api/sessions/:id/end: settlement over distinct in-progress sessions of another
# learner, each a write transaction (compare-and-set, two ledger rows, totals, two outbox
# events and a notification). The sessions are seeded in one SQL transaction as the store
# would hold them: each hold is a `spent` row against a bonus that covers them all, so the
# ledger stays balanced.
db="$root/data/skillbarter.db"
end_token=$(register benchlearner)
[ -n "$end_token" ] || { echo "bench: could not register the learner"; exit 1; }
# the teacher of every session: its own account, so this script needs no other route's seed
[ -n "$(register benchteacher)" ] || { echo "bench: could not register the teacher"; exit 1; }
end_n=$(( duration * 6000 + 20000 ))
now_ms=$(( $(date +%s) * 1000 ))
sqlite3 -cmd '.timeout 10000' "$db" <<SQL >/dev/null
BEGIN IMMEDIATE;
CREATE TEMP TABLE bench_p AS SELECT
  (SELECT id FROM users WHERE username = 'benchuser') AS bench,
  (SELECT id FROM users WHERE username = 'benchlearner') AS learner,
  (SELECT id FROM users WHERE username = 'benchteacher') AS teacher,
  $now_ms AS now, $end_n AS n;
-- the sessions: n in progress for the learner, 60 pending ones for the bench user
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k, bench_p WHERE i < bench_p.n + 60)
INSERT INTO sessions (id, teacher_id, student_id, skill, category, scheduled_time, duration,
  status, escrow_minutes, room_id, started_at, teacher_joined_at, student_joined_at,
  last_presence_at, created_at, updated_at)
  SELECT printf('e%023x', i), p.teacher, CASE WHEN i <= p.n THEN p.learner ELSE p.bench END,
         'Guitar', 'Music',
         CASE WHEN i <= p.n THEN p.now - 1800000 ELSE p.now + i * 7200000 END, 60,
         CASE WHEN i <= p.n THEN 'in_progress' ELSE 'pending' END, 60, printf('sb-bench-%d', i),
         CASE WHEN i <= p.n THEN p.now - 1800000 END, CASE WHEN i <= p.n THEN p.now - 1800000 END,
         CASE WHEN i <= p.n THEN p.now - 1800000 END, CASE WHEN i <= p.n THEN p.now - 1800000 END,
         p.now, p.now
  FROM k, bench_p p;
-- per holder: a bonus covering all its holds, then one hold row per session, so that the
-- balance ends where it was and every balanceAfter is right
CREATE TEMP TABLE bench_h AS SELECT s.id AS sid, s.student_id AS uid, s.teacher_id AS tid,
  row_number() OVER (PARTITION BY s.student_id ORDER BY s.id) AS k,
  count(*) OVER (PARTITION BY s.student_id) AS m
  FROM sessions s WHERE s.room_id LIKE 'sb-bench-%';
INSERT INTO credit_transactions (id, user_id, type, amount, balance_after, description,
  category, created_at)
  SELECT printf('b%023x', u.rowid), u.id, 'bonus', h.m * 60, u.credits + h.m * 60,
         'bench seed', 'bonus', p.now
  FROM users u JOIN (SELECT DISTINCT uid, m FROM bench_h) h ON h.uid = u.id, bench_p p;
INSERT INTO credit_transactions (id, user_id, type, amount, balance_after, related_session,
  related_user, description, category, idem_key, created_at)
  SELECT printf('h%023x', h.rowid), h.uid, 'spent', -60, u.credits + (h.m - h.k) * 60, h.sid,
         h.tid, 'Credits held for session: Guitar', 'learning', h.sid || ':hold', p.now
  FROM bench_h h JOIN users u ON u.id = h.uid, bench_p p ORDER BY h.uid, h.k;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
chown -R www-data:www-data "$root/data"
ids=$root/bench-end-ids
sqlite3 "$db" "SELECT id FROM sessions WHERE status = 'in_progress' AND room_id LIKE 'sb-bench-%' ORDER BY id" > "$ids"
[ "$(wc -l < "$ids")" -ge "$end_n" ] || { echo "bench: sessions not seeded"; exit 1; }
warm 2 "$base/api/sessions"
row "GET /api/sessions" "$base/api/sessions"
export SB_BENCH_END_TOKEN=$end_token SB_BENCH_END_IDS=$ids SB_BENCH_THREADS=$threads
# Sliced beside the static file like every row: before each slice the ids file is rewritten
# with the sessions still in progress, so no slice ends one twice (each wrk run starts at the
# top of the file; the static slice before it lets the last slice's requests finish).
end_ids() {
    sqlite3 -cmd '.timeout 10000' "$db" "SELECT id FROM sessions WHERE status = 'in_progress' AND room_id LIKE 'sb-bench-%' ORDER BY id" > "$ids"
}
bench_before_slice=end_ids
row_script "POST /api/sessions/:id/end" "$top/test/bench/end.lua" "$base/api/sessions"
bench_before_slice=
"$top/build/sbctl" "sqlite:$db" ledger-check >/dev/null || { echo "bench: ledger unbalanced after the end run" >&2; exit 1; }
