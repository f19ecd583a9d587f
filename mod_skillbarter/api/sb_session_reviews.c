/*
 * What follows a completed session (sb_sessions.c routes here): reviews of each other, the
 * public reviews of a user, the learner's dispute and an admin's resolution.
 */
#include "sb_routes.h"
#include "sb_session_view.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_cursor.h"
#include "sb_id.h"
#include "sb_json.h"
#include "sb_messaging.h"
#include "sb_session_rules.h"
#include "sb_time.h"
#include "sb_user_json.h"
#include "sb_user_rules.h"

/* POST /api/sessions/:id/review {rating, feedback?, wouldRecommend?} */
int sb_session_h_review(sb_call_t *c)
{
    static const char *const allowed[] = {"rating", "feedback", "wouldRecommend", NULL};
    char id[SB_ID_LEN + 1];
    sb_review_new_t r = {0};
    sb_notification_new_t nn;
    sb_store_error_t e = {0};
    sb_session_t *s;
    json_object *body, *o, *v;
    int64_t rating = 0;
    int rec = -1;
    const char *other;

    if (!(body = sb_call_body_object(c, allowed)) || !(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    sb_json_get_int(body, "rating", 1, 5, &rating, &c->err, c->pool, 1);
    r.feedback = sb_session_text_member(c, body, "feedback", SB_DESCRIPTION_MAX, 0);
    if (json_object_object_get_ex(body, "wouldRecommend", &v) && v) {
        sb_json_get_bool(body, "wouldRecommend", &rec, &c->err, c->pool, 0);
    }
    if (sb_session_invalid(c)) {
        return c->err.status;
    }
    sb_id_new(id);
    other = strcmp(c->user->id, s->teacher_id) ? s->teacher_id : s->student_id;
    r.id = id;
    r.session_id = s->id;
    r.reviewer_id = c->user->id;
    r.rating = (int)rating;
    r.would_recommend = rec;
    sb_session_notice(
        c, &nn, s, other, "review",
        apr_psprintf(c->pool, "%s reviewed your session", sb_session_full_name(c, c->user)),
        apr_psprintf(c->pool, "%d/5 for %s", (int)rating, s->skill));
    if (sb_store_review_add(c->conn, &r, NULL, 0, &nn, c->now, &e) != SB_STORE_OK) {
        if (e.status == SB_STORE_CONFLICT) {
            sb_field_fail(&c->err, c->pool, "rating", "You have reviewed this session already");
            return sb_fail(&c->err, c->pool, 409, "You have reviewed this session already.");
        }
        return sb_session_store_fail(c, &e);
    }
    sb_call_outbox_signal(c);
    o = json_object_new_object();
    json_object_object_add(o, "_id", json_object_new_string(id));
    json_object_object_add(o, "session", json_object_new_string(s->id));
    json_object_object_add(o, "reviewer", json_object_new_string(c->user->id));
    json_object_object_add(o, "reviewee", json_object_new_string(other));
    json_object_object_add(o, "rating", json_object_new_int((int)rating));
    json_object_object_add(o, "feedback", r.feedback ? json_object_new_string(r.feedback) : NULL);
    json_object_object_add(o, "wouldRecommend", rec < 0 ? NULL : json_object_new_boolean(rec));
    json_object_object_add(o, "reviewedAt", json_object_new_string(sb_time_iso(c->pool, c->now)));
    c->message = "Review submitted";
    return sb_call_ok(c, 201, o);
}

/* GET /api/users/:id/reviews?cursor&limit: a visible user's reviews, newest first. */
int sb_session_h_user_reviews(sb_call_t *c)
{
    const char *id = sb_param_id(c, 0, "id");
    char after_id[SB_ID_LEN + 1] = "";
    apr_array_header_t *rows;
    sb_store_error_t e = {0};
    sb_user_t *u = NULL;
    const char *next = NULL;
    json_object *arr;
    int64_t after_at = 0;
    int limit, has = 0, more = 0, i;

    if (!id) {
        return c->err.status;
    }
    sb_query_int(c, "limit", 1, SB_REVIEWS_PAGE_MAX, SB_REVIEWS_PAGE_DEFAULT, &limit);
    sb_query_cursor(c, &after_at, after_id, &has);
    if (sb_query_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_by_id(c->conn, c->pool, id, &u, &e) != SB_STORE_OK
        && e.status != SB_STORE_NOT_FOUND) {
        return sb_call_store_fail(c, &e, "User");
    }
    if (!u || !sb_user_visible(u, c->now)) {
        return sb_fail(&c->err, c->pool, 404, "User not found.");
    }
    if (sb_store_reviews_page(c->conn, c->pool, u->id, after_at, has ? after_id : NULL, limit,
                              &rows, &more, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Reviews");
    }
    arr = json_object_new_array_ext(rows->nelts);
    for (i = 0; i < rows->nelts; i++) {
        const sb_session_review_t *r = &APR_ARRAY_IDX(rows, i, sb_session_review_t);
        json_object *o = json_object_new_object(), *who = json_object_new_object();
        json_object_object_add(who, "_id", json_object_new_string(r->reviewer.id));
        json_object_object_add(
            who, "username",
            json_object_new_string(r->reviewer.username ? r->reviewer.username : ""));
        json_object_object_add(who, "fullName",
                               json_object_new_string(apr_pstrcat(
                                   c->pool, r->reviewer.first_name ? r->reviewer.first_name : "",
                                   " ", r->reviewer.last_name ? r->reviewer.last_name : "", NULL)));
        json_object_object_add(
            who, "profilePicture",
            json_object_new_string(r->reviewer.profile_picture ? r->reviewer.profile_picture : ""));
        json_object_object_add(o, "_id", json_object_new_string(r->id));
        json_object_object_add(o, "session", json_object_new_string(r->session_id));
        json_object_object_add(o, "skill", json_object_new_string(r->skill ? r->skill : ""));
        json_object_object_add(o, "reviewer", who);
        json_object_object_add(o, "rating", json_object_new_int(r->rating));
        json_object_object_add(o, "feedback",
                               r->feedback ? json_object_new_string(r->feedback) : NULL);
        json_object_object_add(
            o, "wouldRecommend",
            r->would_recommend < 0 ? NULL : json_object_new_boolean(r->would_recommend));
        json_object_object_add(o, "createdAt",
                               json_object_new_string(sb_time_iso(c->pool, r->created_at)));
        json_object_array_add(arr, o);
    }
    if (more && rows->nelts) {
        const sb_session_review_t *last =
            &APR_ARRAY_IDX(rows, rows->nelts - 1, sb_session_review_t);
        next = sb_cursor_encode(c->pool, c->settings->cursor_key, c->settings->cursor_key_len,
                                last->created_at, last->id);
    }
    sb_page_cursor(c, limit, rows->nelts, more, next);
    return sb_call_ok(c, 200, arr);
}

/* POST /api/sessions/:id/dispute {reason}: the learner, within the window after completion. */
int sb_session_h_dispute(sb_call_t *c)
{
    static const char *const allowed[] = {"reason", NULL};
    sb_store_error_t e = {0};
    sb_session_t *s, *out;
    json_object *body;
    const char *reason;

    if (!(body = sb_call_body_object(c, allowed)) || !(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    reason = sb_session_text_member(c, body, "reason", SB_REASON_MAX, 1);
    if (sb_session_invalid(c)) {
        return c->err.status;
    }
    if (strcmp(s->student_id, c->user->id)) {
        sb_field_fail(&c->err, c->pool, "id", "only the learner disputes a session");
        return sb_fail(&c->err, c->pool, 403, "Only the learner can dispute a session.");
    }
    if (sb_store_session_dispute(c->conn, s->id, c->user->id, reason,
                                 c->settings->dispute_window * 1000, c->now, &e)
        != SB_STORE_OK) {
        return sb_session_store_fail(c, &e);
    }
    if (sb_store_session_get(c->conn, c->pool, s->id, &out, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Session");
    }
    c->message = "Dispute opened";
    return sb_call_ok(c, 200, sb_session_json_text(c, out));
}

/* POST /api/admin/sessions/:id/resolve {refundPercent, note?}: admins only. */
int sb_session_h_resolve(sb_call_t *c)
{
    static const char *const allowed[] = {"refundPercent", "note", NULL};
    const char *id = sb_param_id(c, 0, "id"), *note;
    sb_store_error_t e = {0};
    json_object *body, *o;
    int64_t pct = 0, refunded = 0;

    if (strcmp(c->user->role, "admin")) {
        return sb_fail(&c->err, c->pool, 403, "Admins only.");
    }
    if (!id || !(body = sb_call_body_object(c, allowed))) {
        return c->err.status;
    }
    sb_json_get_int(body, "refundPercent", 0, 100, &pct, &c->err, c->pool, 1);
    note = sb_session_text_member(c, body, "note", SB_REASON_MAX, 0);
    if (sb_session_invalid(c) || !sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_session_resolve(c->conn, id, c->user->id, (int)pct, note, c->now, &refunded, &e)
        != SB_STORE_OK) {
        if (e.status == SB_STORE_INSUFFICIENT) {
            sb_field_fail(&c->err, c->pool, "refundPercent", "the teacher's balance is too low");
            return sb_fail(&c->err, c->pool, 409,
                           "The teacher's balance does not cover this "
                           "refund.");
        }
        if (e.status == SB_STORE_STALE) {
            sb_field_fail(&c->err, c->pool, "id", "no open dispute");
            return sb_fail(&c->err, c->pool, 409, "This session has no open dispute.");
        }
        return sb_session_store_fail(c, &e);
    }
    o = json_object_new_object();
    json_object_object_add(o, "sessionId", json_object_new_string(id));
    json_object_object_add(o, "refundPercent", json_object_new_int((int)pct));
    json_object_object_add(o, "refunded", sb_hours_json(c->pool, refunded));
    c->message = "Dispute resolved";
    return sb_call_ok(c, 200, o);
}
