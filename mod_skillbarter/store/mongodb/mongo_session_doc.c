/*
 * MongoDB driver: the session document, its reading back, the compare-and-set of a
 * transition and the intent of its moves (pure builders, unit-tested against expected
 * documents). Request text enters as BSON values, inside pipelines as $literal.
 */
#include "mongo_sessions.h"
#include "mongo_messages.h"

#include <stdio.h>
#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_REMINDERS_MAX 8

static void sb_mongo_append_move(bson_t *arr, const char *k, const sb_session_move_t *m)
{
    bson_t e;

    BSON_APPEND_DOCUMENT_BEGIN(arr, k, &e);
    BSON_APPEND_UTF8(&e, "k", m->key);
    sb_mongo_append_id_or_null(&e, "u", m->user_id);
    BSON_APPEND_UTF8(&e, "type", m->type);
    BSON_APPEND_INT64(&e, "a", m->amount);
    sb_mongo_append_id_or_null(&e, "ru", m->related_user);
    sb_mongo_append_str_or_null(&e, "d", m->description);
    BSON_APPEND_UTF8(&e, "c", m->category);
    sb_mongo_append_str_or_null(&e, "n", m->admin_note);
    BSON_APPEND_INT64(&e, "e", m->earned);
    BSON_APPEND_INT64(&e, "s", m->spent);
    BSON_APPEND_INT64(&e, "tl", m->taught);
    BSON_APPEND_INT64(&e, "ln", m->learned);
    bson_append_document_end(arr, &e);
}

void sb_mongo_append_intent(bson_t *b, const sb_session_move_t *m, int n, int64_t now)
{
    bson_t arr;
    char buf[16];
    const char *k;
    int i;

    if (n <= 0) {
        return;
    }
    BSON_APPEND_ARRAY_BEGIN(b, "moves", &arr);
    for (i = 0; i < n; i++) {
        bson_uint32_to_string((uint32_t)i, &k, buf, sizeof(buf));
        sb_mongo_append_move(&arr, k, &m[i]);
    }
    bson_append_array_end(b, &arr);
    sb_mongo_append_time(b, "movesAt", now);
}

int sb_mongo_intent_entry(apr_pool_t *p, const bson_t *entry, sb_session_move_t *m)
{
    char id[SB_ID_LEN + 1];

    memset(m, 0, sizeof(*m));
    m->key = sb_mongo_doc_str(p, entry, "k");
    m->type = sb_mongo_doc_str(p, entry, "type");
    m->category = sb_mongo_doc_str(p, entry, "c");
    if (!m->key || !m->type || !m->category || !sb_mongo_doc_id(entry, "u", id)) {
        return 0;
    }
    m->user_id = apr_pstrdup(p, id);
    if (sb_mongo_doc_id(entry, "ru", id)) {
        m->related_user = apr_pstrdup(p, id);
    }
    m->amount = sb_mongo_doc_int(entry, "a");
    m->description = sb_mongo_doc_str(p, entry, "d");
    m->admin_note = sb_mongo_doc_str(p, entry, "n");
    m->earned = sb_mongo_doc_int(entry, "e");
    m->spent = sb_mongo_doc_int(entry, "s");
    m->taught = sb_mongo_doc_int(entry, "tl");
    m->learned = sb_mongo_doc_int(entry, "ln");
    return 1;
}

int sb_mongo_session_doc(bson_t *b, const sb_session_new_t *s, const sb_session_move_t *hold,
                         int64_t now)
{
    bson_t arr;

    bson_init(b);
    if (!sb_mongo_append_id(b, "_id", s->id) || !sb_mongo_append_id(b, "teacherId", s->teacher_id)
        || !sb_mongo_append_id(b, "studentId", s->student_id)) {
        bson_destroy(b);
        return 0;
    }
    sb_mongo_append_str_or_null(b, "skill", s->skill);
    sb_mongo_append_str_or_null(b, "category", s->category);
    sb_mongo_append_str_or_null(b, "description", s->description);
    sb_mongo_append_time(b, "scheduledTime", s->scheduled_time);
    BSON_APPEND_INT64(b, "duration", s->duration);
    BSON_APPEND_INT64(b, "actualDuration", 0);
    BSON_APPEND_UTF8(b, "status", "pending");
    BSON_APPEND_INT64(b, "escrowMinutes", s->duration);
    sb_mongo_append_str_or_null(b, "roomId", s->room_id);
    bson_append_null(b, "startedAt", -1);
    bson_append_null(b, "endedAt", -1);
    BSON_APPEND_INT64(b, "creditsExchanged", 0);
    bson_append_null(b, "teacherNotes", -1);
    bson_append_null(b, "studentNotes", -1);
    bson_append_null(b, "cancelledBy", -1);
    bson_append_null(b, "cancelReason", -1);
    BSON_APPEND_BOOL(b, "isDisputed", false);
    bson_append_null(b, "disputeReason", -1);
    bson_append_null(b, "disputedAt", -1);
    bson_append_null(b, "disputeResolvedAt", -1);
    BSON_APPEND_INT64(b, "disputeRefund", 0);
    BSON_APPEND_ARRAY_BEGIN(b, "remindersSent", &arr);
    bson_append_array_end(b, &arr);
    bson_append_null(b, "proposedBy", -1);
    bson_append_null(b, "teacherJoinedAt", -1);
    bson_append_null(b, "studentJoinedAt", -1);
    bson_append_null(b, "lastPresenceAt", -1);
    sb_mongo_append_time(b, "createdAt", now);
    sb_mongo_append_time(b, "updatedAt", now);
    BSON_APPEND_BOOL(b, "inHours", true); /* counted by its booking (mongo_trend.c) */
    if (hold) {
        sb_mongo_append_intent(b, hold, 1, now);
    }
    return 1;
}

int sb_mongo_request_message_doc(bson_t *b, const sb_session_new_t *s, int64_t now)
{
    sb_message_session_t d;
    sb_message_t m;

    memset(&m, 0, sizeof(m));
    memset(&d, 0, sizeof(d));
    if (!s->message_id || !sb_id_valid(s->message_id) || !sb_id_valid(s->student_id)
        || !sb_id_valid(s->teacher_id) || !s->id) {
        bson_init(b);
        bson_destroy(b);
        return 0;
    }
    apr_cpystrn(m.id, s->message_id, sizeof(m.id));
    apr_cpystrn(m.sender_id, s->student_id, sizeof(m.sender_id));
    apr_cpystrn(m.receiver_id, s->teacher_id, sizeof(m.receiver_id));
    m.content = s->message_content ? s->message_content : "";
    m.message_type = "session_request";
    m.created_at = m.updated_at = now;
    apr_cpystrn(d.session_id, s->id, sizeof(d.session_id));
    d.skill = s->skill;
    d.duration = s->duration;
    d.proposed_time = s->scheduled_time;
    d.description = s->description;
    d.status = "pending";
    m.session = &d;
    return sb_mongo_message_doc(b, &m);
}

const char *sb_mongo_reminders_text(apr_pool_t *p, const bson_t *doc)
{
    bson_iter_t it, arr;
    const char *out = "[";
    int n = 0;

    if (bson_iter_init_find(&it, doc, "remindersSent") && BSON_ITER_HOLDS_ARRAY(&it)
        && bson_iter_recurse(&it, &arr)) {
        while (bson_iter_next(&arr)) {
            if (BSON_ITER_HOLDS_UTF8(&arr)) {
                out =
                    apr_pstrcat(p, out, n++ ? ",\"" : "\"", bson_iter_utf8(&arr, NULL), "\"", NULL);
            }
        }
    }
    return apr_pstrcat(p, out, "]", NULL);
}

void sb_mongo_session_from_doc(apr_pool_t *p, const bson_t *doc, sb_session_t *s)
{
    memset(s, 0, sizeof(*s));
    sb_mongo_doc_id(doc, "_id", s->id);
    sb_mongo_doc_id(doc, "teacherId", s->teacher_id);
    sb_mongo_doc_id(doc, "studentId", s->student_id);
    s->skill = sb_mongo_doc_str(p, doc, "skill");
    s->category = sb_mongo_doc_str(p, doc, "category");
    s->description = sb_mongo_doc_str(p, doc, "description");
    s->scheduled_time = sb_mongo_get_time(doc, "scheduledTime");
    s->duration = sb_mongo_doc_int(doc, "duration");
    s->actual_duration = sb_mongo_doc_int(doc, "actualDuration");
    s->status = sb_mongo_doc_str(p, doc, "status");
    s->escrow = sb_mongo_doc_int(doc, "escrowMinutes");
    s->room_id = sb_mongo_doc_str(p, doc, "roomId");
    s->started_at = sb_mongo_get_time(doc, "startedAt");
    s->ended_at = sb_mongo_get_time(doc, "endedAt");
    s->credits_exchanged = sb_mongo_doc_int(doc, "creditsExchanged");
    s->teacher_notes = sb_mongo_doc_str(p, doc, "teacherNotes");
    s->student_notes = sb_mongo_doc_str(p, doc, "studentNotes");
    sb_mongo_doc_id(doc, "cancelledBy", s->cancelled_by);
    s->cancel_reason = sb_mongo_doc_str(p, doc, "cancelReason");
    s->is_disputed = sb_mongo_doc_int(doc, "isDisputed") != 0;
    s->dispute_reason = sb_mongo_doc_str(p, doc, "disputeReason");
    s->disputed_at = sb_mongo_get_time(doc, "disputedAt");
    s->dispute_resolved_at = sb_mongo_get_time(doc, "disputeResolvedAt");
    s->dispute_refund = sb_mongo_doc_int(doc, "disputeRefund");
    s->reminders_sent = sb_mongo_reminders_text(p, doc);
    sb_mongo_doc_id(doc, "proposedBy", s->proposed_by);
    s->teacher_joined_at = sb_mongo_get_time(doc, "teacherJoinedAt");
    s->student_joined_at = sb_mongo_get_time(doc, "studentJoinedAt");
    s->last_presence_at = sb_mongo_get_time(doc, "lastPresenceAt");
    s->created_at = sb_mongo_get_time(doc, "createdAt");
    s->updated_at = sb_mongo_get_time(doc, "updatedAt");
}

int sb_mongo_session_by_id(bson_t *filter, const char *id)
{
    bson_init(filter);
    if (!sb_mongo_append_id(filter, "_id", id)) {
        bson_destroy(filter);
        return 0;
    }
    return 1;
}

#define SB_OPEN "[\"pending\", \"scheduled\", \"in_progress\"]"
#define SB_DATE "{\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}"
#define SB_OID  "{\"$oid\": \"%s\"}"

int sb_mongo_overlap_filter(bson_t *filter, const char *a, const char *b, int64_t start,
                            int64_t duration, const char *self)
{
    char me[48] = "null";

    if (!sb_id_valid(a) || !sb_id_valid(b) || (self && !sb_id_valid(self))) {
        bson_init(filter);
        bson_destroy(filter);
        return 0;
    }
    if (self) {
        snprintf(me, sizeof(me), SB_OID, self);
    }
    /* [start, end) against [scheduledTime, scheduledTime + duration) */
    return sb_mongo_json_doc(filter,
                             "{\"status\": {\"$in\": " SB_OPEN "}, \"_id\": {\"$ne\": %s},"
                             " \"$or\": [{\"teacherId\": {\"$in\": [" SB_OID ", " SB_OID "]}},"
                             "  {\"studentId\": {\"$in\": [" SB_OID ", " SB_OID "]}}],"
                             " \"scheduledTime\": {\"$lt\": " SB_DATE "},"
                             " \"$expr\": {\"$gt\": [{\"$add\": [\"$scheduledTime\","
                             "  {\"$multiply\": [\"$duration\", 60000]}]}, " SB_DATE "]}}",
                             me, a, b, a, b, start + duration * SB_MONGO_MIN_MS, start);
}

/* The JSON text of remindersSent ("[\"24h\",\"1h\"]") as an array under key. */
static void sb_mongo_append_reminders(bson_t *b, const char *key, const char *text)
{
    bson_t arr;
    char buf[16];
    const char *k, *q = text ? text : "", *end;
    int i = 0;

    bson_append_array_begin(b, key, -1, &arr);
    while ((q = strchr(q, '"')) && (end = strchr(q + 1, '"')) && i < SB_REMINDERS_MAX) {
        bson_uint32_to_string((uint32_t)i++, &k, buf, sizeof(buf));
        bson_append_utf8(&arr, k, -1, q + 1, (int)(end - q - 1));
        q = end + 1;
    }
    bson_append_array_end(b, &arr);
}

int sb_mongo_session_cas(bson_t *filter, bson_t *update, const sb_session_t *o,
                         const sb_session_t *n, const sb_session_plan_t *plan, int64_t now)
{
    bson_t set;

    if (!sb_mongo_session_by_id(filter, o->id)) {
        return 0;
    }
    BSON_APPEND_UTF8(filter, "status", o->status ? o->status : "");
    sb_mongo_append_time(filter, "updatedAt", o->updated_at);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    BSON_APPEND_UTF8(&set, "status", n->status);
    BSON_APPEND_INT64(&set, "escrowMinutes", n->escrow);
    sb_mongo_append_time(&set, "scheduledTime", n->scheduled_time);
    sb_mongo_append_time(&set, "startedAt", n->started_at);
    sb_mongo_append_time(&set, "endedAt", n->ended_at);
    BSON_APPEND_INT64(&set, "actualDuration", n->actual_duration);
    BSON_APPEND_INT64(&set, "creditsExchanged", n->credits_exchanged);
    sb_mongo_append_id_or_null(&set, "cancelledBy", n->cancelled_by);
    sb_mongo_append_str_or_null(&set, "cancelReason", n->cancel_reason);
    sb_mongo_append_id_or_null(&set, "proposedBy", n->proposed_by);
    sb_mongo_append_time(&set, "teacherJoinedAt", n->teacher_joined_at);
    sb_mongo_append_time(&set, "studentJoinedAt", n->student_joined_at);
    sb_mongo_append_time(&set, "lastPresenceAt", n->last_presence_at);
    sb_mongo_append_reminders(&set, "remindersSent", n->reminders_sent);
    sb_mongo_append_time(&set, "updatedAt", n->updated_at ? n->updated_at : now);
    sb_mongo_append_intent(&set, plan->m, plan->n, now);
    bson_append_document_end(update, &set);
    return 1;
}

int sb_mongo_intent_clear(bson_t *filter, bson_t *update, const char *id)
{
    bson_t unset;

    if (!sb_mongo_session_by_id(filter, id)) {
        return 0;
    }
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$unset", &unset);
    BSON_APPEND_UTF8(&unset, "moves", "");
    BSON_APPEND_UTF8(&unset, "movesAt", "");
    bson_append_document_end(update, &unset);
    return 1;
}

static int sb_mongo_has_totals(const sb_session_move_t *m)
{
    return m->earned || m->spent || m->taught || m->learned;
}

int sb_mongo_totals_update(bson_t *filter, bson_t *update, const sb_session_move_t *m)
{
    bson_t ne, inc, push;

    bson_init(filter);
    bson_init(update);
    if (!sb_mongo_has_totals(m) || !sb_mongo_append_id(filter, "_id", m->user_id)) {
        bson_destroy(filter);
        bson_destroy(update);
        return 0;
    }
    BSON_APPEND_DOCUMENT_BEGIN(filter, "sessionTotals", &ne);
    BSON_APPEND_UTF8(&ne, "$ne", m->key);
    bson_append_document_end(filter, &ne);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$inc", &inc);
    BSON_APPEND_INT64(&inc, "totalEarned", m->earned);
    BSON_APPEND_INT64(&inc, "totalSpent", m->spent);
    BSON_APPEND_INT64(&inc, "minutesTaught", m->taught);
    BSON_APPEND_INT64(&inc, "minutesLearned", m->learned);
    bson_append_document_end(update, &inc);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$push", &push);
    BSON_APPEND_UTF8(&push, "sessionTotals", m->key);
    bson_append_document_end(update, &push);
    return 1;
}

int sb_mongo_totals_clear(bson_t *filter, bson_t *update, const sb_session_move_t *m, int n)
{
    bson_t id, ids, pull, tk, keys;
    char buf[16];
    const char *k;
    int i, j = 0;

    bson_init(filter);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(filter, "_id", &id);
    BSON_APPEND_ARRAY_BEGIN(&id, "$in", &ids);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$pull", &pull);
    BSON_APPEND_DOCUMENT_BEGIN(&pull, "sessionTotals", &tk);
    BSON_APPEND_ARRAY_BEGIN(&tk, "$in", &keys);
    for (i = 0; i < n; i++) {
        if (!sb_mongo_has_totals(&m[i]) || !sb_id_valid(m[i].user_id)) {
            continue;
        }
        bson_uint32_to_string((uint32_t)j++, &k, buf, sizeof(buf));
        sb_mongo_append_id(&ids, k, m[i].user_id);
        BSON_APPEND_UTF8(&keys, k, m[i].key);
    }
    bson_append_array_end(&tk, &keys);
    bson_append_document_end(&pull, &tk);
    bson_append_document_end(update, &pull);
    bson_append_array_end(&id, &ids);
    bson_append_document_end(filter, &id);
    if (!j) {
        bson_destroy(filter);
        bson_destroy(update);
    }
    return j > 0;
}

int sb_mongo_request_mirror(bson_t *filter, bson_t *update, const char *id, const char *status,
                            int64_t proposed_time, int64_t now)
{
    bson_t set;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, SB_MONGO_COPY_ID, id)) {
        bson_destroy(filter);
        return 0;
    }
    bson_init(update);
    BSON_APPEND_UTF8(filter, "messageType", "session_request");
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    BSON_APPEND_UTF8(&set, SB_MONGO_COPY_STATUS, status);
    sb_mongo_append_time(&set, SB_MONGO_COPY_PROPOSED, proposed_time);
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(update, &set);
    return 1;
}
