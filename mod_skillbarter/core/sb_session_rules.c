/* The session state machine, credit arithmetic and the availability check (sb_session_rules.h). */
#include "sb_session_rules.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_model.h"
#include "sb_skill_rules.h"
#include "sb_time.h"

static const char *const sb_status_names[SB_SESSION_NSTATUS] = {
    "pending", "scheduled", "in_progress", "completed", "cancelled",
    "no_show", "abandoned", "declined",    "expired"};

const char *sb_session_status_name(sb_session_status_t s)
{
    return (int)s >= 0 && s < SB_SESSION_NSTATUS ? sb_status_names[s] : NULL;
}

int sb_session_status_parse(const char *name)
{
    int i;

    for (i = 0; name && i < SB_SESSION_NSTATUS; i++) {
        if (strcmp(name, sb_status_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

int sb_session_transition(sb_session_status_t from, sb_session_action_t action)
{
    switch (action) {
    case SB_SESSION_ACCEPT:
        return from == SB_SESSION_PENDING ? SB_SESSION_SCHEDULED : -1;
    case SB_SESSION_DECLINE:
        return from == SB_SESSION_PENDING ? SB_SESSION_DECLINED : -1;
    case SB_SESSION_CANCEL:
        return from == SB_SESSION_PENDING || from == SB_SESSION_SCHEDULED ? SB_SESSION_CANCELLED
                                                                          : -1;
    case SB_SESSION_RESCHEDULE:
        return from == SB_SESSION_PENDING || from == SB_SESSION_SCHEDULED ? SB_SESSION_PENDING : -1;
    case SB_SESSION_START:
        return from == SB_SESSION_SCHEDULED ? SB_SESSION_IN_PROGRESS : -1;
    case SB_SESSION_END:
        return from == SB_SESSION_IN_PROGRESS ? SB_SESSION_COMPLETED : -1;
    case SB_SESSION_EXPIRE:
        return from == SB_SESSION_PENDING ? SB_SESSION_EXPIRED : -1;
    case SB_SESSION_MARK_NO_SHOW:
        return from == SB_SESSION_SCHEDULED ? SB_SESSION_NO_SHOW : -1;
    case SB_SESSION_ABANDON:
        return from == SB_SESSION_IN_PROGRESS ? SB_SESSION_ABANDONED : -1;
    default:
        return -1;
    }
}

int sb_session_status_holds(sb_session_status_t s)
{
    return s == SB_SESSION_PENDING || s == SB_SESSION_SCHEDULED || s == SB_SESSION_IN_PROGRESS;
}

const char *sb_session_request_status(const char *session_status)
{
    switch (sb_session_status_parse(session_status)) {
    case SB_SESSION_PENDING:
        return "pending";
    case SB_SESSION_DECLINED:
        return "declined";
    case SB_SESSION_EXPIRED:
        return "expired";
    case SB_SESSION_CANCELLED:
        return "cancelled";
    default:
        return "accepted";
    }
}

int sb_session_duration_valid(int64_t minutes)
{
    return minutes >= SB_SESSION_MIN_DURATION && minutes <= SB_SESSION_MAX_DURATION
           && minutes % SB_SESSION_DURATION_STEP == 0;
}

int64_t sb_credits_hundredths(int64_t minutes)
{
    int64_t m = minutes < 0 ? -minutes : minutes;
    int64_t h = (m * 100 + SB_MINUTES_PER_CREDIT / 2) / SB_MINUTES_PER_CREDIT;

    return minutes < 0 ? -h : h;
}

const char *sb_credits_hours(apr_pool_t *p, int64_t minutes)
{
    int64_t h = sb_credits_hundredths(minutes);
    int64_t a = h < 0 ? -h : h;
    const char *sign = h < 0 ? "-" : "";

    if (a % 100 == 0) {
        return apr_psprintf(p, "%s%" APR_INT64_T_FMT, sign, a / 100);
    }
    if (a % 10 == 0) {
        return apr_psprintf(p, "%s%" APR_INT64_T_FMT ".%d", sign, a / 100, (int)(a % 100) / 10);
    }
    return apr_psprintf(p, "%s%" APR_INT64_T_FMT ".%02d", sign, a / 100, (int)(a % 100));
}

int sb_credits_parse_hours(const char *s, int64_t *minutes)
{
    int64_t whole = 0, frac = 0;
    int digits = 0, fdigits = 0;

    if (!s) {
        return -1;
    }
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (whole > 1000000) {
            return -1;
        }
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, fdigits++) {
            if (fdigits == 2) {
                return -1;
            }
            frac = frac * 10 + (*s - '0');
        }
        if (fdigits == 0) {
            return -1;
        }
        if (fdigits == 1) {
            frac *= 10;
        }
    }
    if (*s || digits == 0) {
        return -1;
    }
    /* frac hundredths of an hour are frac * 60 / 100 minutes: whole only when frac % 5 == 0 */
    if ((frac * SB_MINUTES_PER_CREDIT) % 100 != 0) {
        return -1;
    }
    *minutes = whole * SB_MINUTES_PER_CREDIT + frac * SB_MINUTES_PER_CREDIT / 100;
    return *minutes > 0 ? 0 : -1;
}

int sb_session_join_open(int64_t now, int64_t scheduled, int64_t duration_min)
{
    return now >= scheduled - SB_SESSION_JOIN_EARLY_MS && now <= scheduled + duration_min * 60000;
}

void sb_session_settle(int64_t hold, int64_t duration_min, int64_t started_at, int64_t ended_at,
                       int64_t *paid, int64_t *refund)
{
    int64_t taught = ended_at > started_at && started_at > 0 ? (ended_at - started_at) / 60000 : 0;

    if (taught > duration_min) {
        taught = duration_min;
    }
    if (taught > hold) {
        taught = hold;
    }
    if (taught < 0) {
        taught = 0;
    }
    *paid = taught;
    *refund = hold - taught;
}

int sb_interval_overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    return a0 < b1 && b0 < a1;
}

int sb_session_in_availability(const sb_tz_t *z, const apr_array_header_t *availability,
                               int64_t start_ms, int64_t duration_min)
{
    int64_t secs = start_ms >= 0 ? start_ms / 1000 : -((-start_ms + 999) / 1000);
    int64_t local = secs + sb_tz_offset(z, secs);
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t end_ms = start_ms + duration_min * 60000;
    int y, m, d, wd, i, j;
    int64_t z0, era, doe, yoe, doy, mp;

    if (!availability) {
        return 0;
    }
    /* civil date of `days` (Howard Hinnant's algorithm) */
    z0 = days + 719468;
    era = (z0 >= 0 ? z0 : z0 - 146096) / 146097;
    doe = z0 - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = (int)(doy - (153 * mp + 2) / 5 + 1);
    m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y = (int)(yoe + era * 400 + (m <= 2));
    wd = sb_weekday(y, m, d);
    for (i = 0; i < availability->nelts; i++) {
        const sb_availability_t *a = &APR_ARRAY_IDX(availability, i, sb_availability_t);
        if (!a->day || strcmp(a->day, sb_days[wd]) != 0 || !a->time_slots) {
            continue;
        }
        for (j = 0; j < a->time_slots->nelts; j++) {
            const sb_time_slot_t *t = &APR_ARRAY_IDX(a->time_slots, j, sb_time_slot_t);
            int64_t s0, s1;
            if (sb_tz_slot_utc(z, y, m, d, t->start_time, t->end_time, &s0, &s1) && start_ms >= s0
                && end_ms <= s1) {
                return 1;
            }
        }
    }
    return 0;
}
