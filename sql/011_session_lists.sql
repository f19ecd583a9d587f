-- GET /api/sessions walks a participant's sessions newest start first and stops at the page:
-- these indexes give that order per side (the id breaks ties as the list does), so neither a
-- page nor the merge of both sides ever reads or sorts the rest of a user's history.
CREATE INDEX sessions_teacher_time ON sessions (teacher_id, scheduled_time, id);
CREATE INDEX sessions_student_time ON sessions (student_id, scheduled_time, id);
