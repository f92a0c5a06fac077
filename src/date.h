/*
 * date.h — calendar dates and calendar durations (proleptic Gregorian).
 *
 * A Date is the number of days since 1970-01-01. Only years 1..9999 are
 * valid; every function that can leave that range says so by returning
 * false. Month arithmetic clamps to the month's last day, so 2026-01-31 + 1
 * month = 2026-02-28 and 2024-02-29 + 1 year (12 months) = 2025-02-28.
 */
#ifndef REGEL_DATE_H
#define REGEL_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t Date;

/* A calendar duration: whole months (years are 12 months) and days.
 * Adding one applies the months first, then the days. */
typedef struct Duration {
    int32_t months;
    int32_t days;
} Duration;

#define DATE_MIN_YEAR 1
#define DATE_MAX_YEAR 9999
/* 0001-01-01 and 9999-12-31 as day numbers. */
#define DATE_MIN ((Date)-719162)
#define DATE_MAX ((Date)2932896)

bool date_valid_ymd(int y, int m, int d);
/* y-m-d must be valid. */
Date date_from_ymd(int y, int m, int d);
void date_to_ymd(Date date, int *y, int *m, int *d);
int date_days_in_month(int y, int m);

/* Exactly "YYYY-MM-DD" (10 bytes, ASCII digits) naming a valid date. */
bool date_parse_iso(const char *s, size_t n, Date *out);
/* Writes 10 bytes and a NUL into buf (which holds at least 11). */
size_t date_format_iso(Date date, char *buf);

bool date_add_days(Date date, int64_t days, Date *out);
bool date_add_months(Date date, int64_t months, Date *out);
bool date_add_duration(Date date, Duration d, bool subtract, Date *out);
/* 1 = Monday .. 7 = Sunday (ISO 8601). */
int date_weekday(Date date);
/* Whole calendar months from a to b, counting a month only when b has
 * reached the same day of the month (clamped); negative when b < a. */
int64_t date_months_between(Date a, Date b);

/* Today's date in local time. */
Date date_today(void);

#endif
