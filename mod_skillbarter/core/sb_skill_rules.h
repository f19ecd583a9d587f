/*
 * The spec's rules for the embedded lists of a user: skills offered and wanted (enums,
 * lengths, count, duplicates) and the weekly availability (days, HH:MM slots, overlaps).
 * Each parser reads the JSON wire form, records field errors named by path
 * ("skills.3.category", "availability.0.timeSlots.1.endTime") and returns 1 when the whole
 * list is valid, with *out an array of the model's structs allocated in p.
 */
#ifndef SB_SKILL_RULES_H
#define SB_SKILL_RULES_H

#include <json.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "sb_error.h"

#define SB_SKILL_NAME_MAX    50
#define SB_SKILL_DESC_MAX    200
#define SB_SKILLS_MAX        20
#define SB_SLOTS_PER_DAY_MAX 12
#define SB_CATEGORY_COUNT    8

/* NULL-terminated enums of the spec's User model. */
extern const char *const sb_categories[]; /* Technology .. Other (SB_CATEGORY_COUNT) */
extern const char *const sb_levels[];     /* Beginner, Intermediate, Expert */
extern const char *const sb_priorities[]; /* Low, Medium, High */
extern const char *const sb_days[];       /* Monday .. Sunday */

/* Index of v in a NULL-terminated set (exact match), or -1. */
int sb_enum_index(const char *const *set, const char *v);
/* "HH:MM", 24-hour, exactly five characters; *minutes = minutes after midnight. 1 = valid. */
int sb_parse_hhmm(const char *s, int *minutes);

/* A JSON array of offered skills → array of sb_skill_offered_t (experience defaults to
 * Intermediate; `verified` may not be sent and is always false). */
int sb_skills_offered_parse(apr_pool_t *p, json_object *arr, const char *prefix,
                            apr_array_header_t **out, sb_error_t *err);
/* A JSON array of wanted skills → array of sb_skill_wanted_t (level defaults to Beginner,
 * priority to Medium). */
int sb_skills_wanted_parse(apr_pool_t *p, json_object *arr, const char *prefix,
                           apr_array_header_t **out, sb_error_t *err);
/* A JSON array of {day, timeSlots:[{startTime, endTime}]} → array of sb_availability_t,
 * days in week order and slots sorted by start time. */
int sb_availability_parse(apr_pool_t *p, json_object *arr, const char *prefix,
                          apr_array_header_t **out, sb_error_t *err);

#endif
