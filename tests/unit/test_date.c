/*
 * test_date.c — unit tests of calendar dates: the leap rules, conversions
 * across the whole year 1..9999 range, strict ISO parsing, month arithmetic
 * with end-of-month clamping, weekdays and month differences.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "date.h"

#define FIRST_DAY DATE_MIN /* 0001-01-01 */
#define LAST_DAY DATE_MAX  /* 9999-12-31 */

static Date ymd(int y, int m, int d)
{
    cr_assert(date_valid_ymd(y, m, d), "%04d-%02d-%02d is not valid", y, m, d);
    return date_from_ymd(y, m, d);
}

static void expect_ymd(Date date, int y, int m, int d)
{
    int gy, gm, gd;
    date_to_ymd(date, &gy, &gm, &gd);
    cr_assert(gy == y && gm == m && gd == d, "got %04d-%02d-%02d, expected %04d-%02d-%02d", gy, gm, gd, y,
              m, d);
}

static bool parse(const char *s, Date *out)
{
    return date_parse_iso(s, strlen(s), out);
}

/* ------------------------------------------------------------ calendar */

Test(date, leap_years)
{
    cr_assert_eq(date_days_in_month(1900, 2), 28, "1900 is not a leap year (divisible by 100)");
    cr_assert_eq(date_days_in_month(2000, 2), 29, "2000 is a leap year (divisible by 400)");
    cr_assert_eq(date_days_in_month(2024, 2), 29);
    cr_assert_eq(date_days_in_month(2026, 2), 28);
    cr_assert_eq(date_days_in_month(2100, 2), 28);
    cr_assert_eq(date_days_in_month(4, 2), 29);
    cr_assert_eq(date_days_in_month(9996, 2), 29);
    cr_assert(!date_valid_ymd(1900, 2, 29));
    cr_assert(date_valid_ymd(2000, 2, 29));
    /* 1900-02-28 and 1900-03-01 are neighbours; 2000 has a day between. */
    cr_assert_eq(ymd(1900, 3, 1) - ymd(1900, 2, 28), 1);
    cr_assert_eq(ymd(2000, 3, 1) - ymd(2000, 2, 28), 2);
}

Test(date, days_in_month)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++)
        cr_assert_eq(date_days_in_month(2026, m), len[m - 1], "month %d", m);
    cr_assert_eq(date_days_in_month(2026, 0), 0);
    cr_assert_eq(date_days_in_month(2026, 13), 0);
}

Test(date, valid_ymd)
{
    cr_assert(date_valid_ymd(1, 1, 1));
    cr_assert(date_valid_ymd(9999, 12, 31));
    cr_assert(!date_valid_ymd(0, 12, 31));
    cr_assert(!date_valid_ymd(10000, 1, 1));
    cr_assert(!date_valid_ymd(2026, 0, 1));
    cr_assert(!date_valid_ymd(2026, 13, 1));
    cr_assert(!date_valid_ymd(2026, 1, 0));
    cr_assert(!date_valid_ymd(2026, 1, 32));
    cr_assert(!date_valid_ymd(2026, 4, 31));
    cr_assert(!date_valid_ymd(2026, 2, 29));
    cr_assert(!date_valid_ymd(-1, 1, 1));
}

Test(date, known_day_numbers)
{
    cr_assert_eq(ymd(1970, 1, 1), 0);
    cr_assert_eq(ymd(1969, 12, 31), -1);
    cr_assert_eq(ymd(2000, 1, 1), 10957);
    cr_assert_eq(ymd(2024, 2, 29), 19782);
    cr_assert_eq(ymd(1, 1, 1), FIRST_DAY);
    cr_assert_eq(ymd(9999, 12, 31), LAST_DAY);
    expect_ymd(0, 1970, 1, 1);
    expect_ymd(19782, 2024, 2, 29);
    expect_ymd(FIRST_DAY, 1, 1, 1);
    expect_ymd(LAST_DAY, 9999, 12, 31);
    expect_ymd(-25508, 1900, 3, 1);
}

/* Walks every day of the supported range: each must convert to the day after
 * the previous one and back to the same number. */
Test(date, every_day_round_trips)
{
    int y = 1, m = 1, d = 1;
    for (Date day = FIRST_DAY; day <= LAST_DAY; day++) {
        int gy, gm, gd;
        date_to_ymd(day, &gy, &gm, &gd);
        if (gy != y || gm != m || gd != d)
            cr_assert_fail("day %d is %04d-%02d-%02d, expected %04d-%02d-%02d", day, gy, gm, gd, y, m, d);
        if (date_from_ymd(y, m, d) != day)
            cr_assert_fail("%04d-%02d-%02d gives %d, expected %d", y, m, d, date_from_ymd(y, m, d), day);
        if (++d > date_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    cr_assert_eq(y, 10000);
}

/* ------------------------------------------------------------ ISO text */

Test(date, parse_iso_valid)
{
    Date d;
    cr_assert(parse("2026-02-01", &d));
    cr_assert_eq(d, ymd(2026, 2, 1));
    cr_assert(parse("2024-02-29", &d));
    cr_assert_eq(d, 19782);
    cr_assert(parse("0001-01-01", &d));
    cr_assert_eq(d, FIRST_DAY);
    cr_assert(parse("9999-12-31", &d));
    cr_assert_eq(d, LAST_DAY);
    /* Only the counted bytes are read. */
    cr_assert(date_parse_iso("2026-02-01T10:00", 10, &d));
    cr_assert_eq(d, ymd(2026, 2, 1));
}

Test(date, parse_iso_rejects)
{
    static const char *bad[] = {
        "2026-13-01", "2026-02-30", "2026-2-01",   "26-02-01",   " 2026-02-01", "2026-02-01 ",
        "2026-00-10", "2026-01-00", "2025-02-29",  "1900-02-29", "0000-01-01",  "2026/02/01",
        "2026-0a-01", "+026-01-01", "-026-01-01",  "20260201",   "",            "10000-01-01",
        "2026-02-1x", "2026-04-31", "2026-02-01\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Date d = 12345;
        cr_assert(!parse(bad[i], &d), "\"%s\" accepted", bad[i]);
        cr_assert_eq(d, 12345, "\"%s\" wrote a result on error", bad[i]);
    }
    Date d;
    cr_assert(!date_parse_iso("2026-02-01", 9, &d));
    cr_assert(!date_parse_iso("2026-02\0" "01", 10, &d));
}

Test(date, format_iso)
{
    char buf[11];
    cr_assert_eq(date_format_iso(0, buf), 10);
    cr_assert_str_eq(buf, "1970-01-01");
    date_format_iso(FIRST_DAY, buf);
    cr_assert_str_eq(buf, "0001-01-01");
    date_format_iso(LAST_DAY, buf);
    cr_assert_str_eq(buf, "9999-12-31");
    date_format_iso(ymd(2026, 11, 22), buf);
    cr_assert_str_eq(buf, "2026-11-22");
    date_format_iso(ymd(987, 6, 5), buf);
    cr_assert_str_eq(buf, "0987-06-05");
}

Test(date, format_iso_out_of_range_stays_in_buffer)
{
    char buf[12];
    memset(buf, 'X', sizeof buf);
    cr_assert_eq(date_format_iso(LAST_DAY + 1, buf), 10);
    cr_assert_eq(buf[10], '\0');
    cr_assert_eq(buf[11], 'X');
    Date d;
    cr_assert(!date_parse_iso(buf, 10, &d), "an out-of-range date must not format as a valid one");
    cr_assert_eq(date_format_iso(FIRST_DAY - 1, buf), 10);
    cr_assert(!date_parse_iso(buf, 10, &d));
}

/* ------------------------------------------------------------ arithmetic */

Test(date, add_days)
{
    Date r;
    cr_assert(date_add_days(ymd(2026, 2, 28), 1, &r));
    cr_assert_eq(r, ymd(2026, 3, 1));
    cr_assert(date_add_days(ymd(2024, 2, 28), 1, &r));
    cr_assert_eq(r, ymd(2024, 2, 29));
    cr_assert(date_add_days(ymd(2026, 1, 1), -1, &r));
    cr_assert_eq(r, ymd(2025, 12, 31));
}

Test(date, add_days_at_range_limits)
{
    Date r = 777;
    cr_assert(date_add_days(LAST_DAY, 0, &r));
    cr_assert_eq(r, LAST_DAY);
    cr_assert(!date_add_days(LAST_DAY, 1, &r));
    cr_assert(date_add_days(FIRST_DAY, 0, &r));
    cr_assert_eq(r, FIRST_DAY);
    cr_assert(!date_add_days(FIRST_DAY, -1, &r));
    cr_assert(date_add_days(LAST_DAY, (int64_t)FIRST_DAY - LAST_DAY, &r));
    cr_assert_eq(r, FIRST_DAY);
    cr_assert(date_add_days(FIRST_DAY, (int64_t)LAST_DAY - FIRST_DAY, &r));
    cr_assert_eq(r, LAST_DAY);
    r = 777;
    cr_assert(!date_add_days(0, INT64_MAX, &r));
    cr_assert(!date_add_days(0, INT64_MIN, &r));
    cr_assert(!date_add_days(LAST_DAY + 1, -1, &r), "a start outside the range is refused");
    cr_assert_eq(r, 777);
}

Test(date, add_months_clamps_to_month_end)
{
    Date r;
    cr_assert(date_add_months(ymd(2026, 1, 31), 1, &r));
    cr_assert_eq(r, ymd(2026, 2, 28));
    cr_assert(date_add_months(ymd(2024, 1, 31), 1, &r));
    cr_assert_eq(r, ymd(2024, 2, 29));
    cr_assert(date_add_months(ymd(2024, 2, 29), 12, &r));
    cr_assert_eq(r, ymd(2025, 2, 28));
    cr_assert(date_add_months(ymd(2024, 2, 29), 48, &r));
    cr_assert_eq(r, ymd(2028, 2, 29));
    cr_assert(date_add_months(ymd(2026, 3, 31), -1, &r));
    cr_assert_eq(r, ymd(2026, 2, 28));
    cr_assert(date_add_months(ymd(2026, 5, 31), 1, &r));
    cr_assert_eq(r, ymd(2026, 6, 30));
    /* Clamping is not sticky: it starts again from the original day. */
    cr_assert(date_add_months(ymd(2026, 1, 31), 2, &r));
    cr_assert_eq(r, ymd(2026, 3, 31));
}

Test(date, add_months_across_years)
{
    Date r;
    cr_assert(date_add_months(ymd(2026, 12, 15), 1, &r));
    cr_assert_eq(r, ymd(2027, 1, 15));
    cr_assert(date_add_months(ymd(2026, 1, 15), -1, &r));
    cr_assert_eq(r, ymd(2025, 12, 15));
    cr_assert(date_add_months(ymd(2026, 1, 15), -13, &r));
    cr_assert_eq(r, ymd(2024, 12, 15));
    cr_assert(date_add_months(ymd(2026, 1, 15), 0, &r));
    cr_assert_eq(r, ymd(2026, 1, 15));
}

Test(date, add_months_at_range_limits)
{
    Date r = 777;
    cr_assert(date_add_months(ymd(9999, 11, 30), 1, &r));
    cr_assert_eq(r, ymd(9999, 12, 30));
    cr_assert(!date_add_months(ymd(9999, 12, 1), 1, &r));
    cr_assert(date_add_months(ymd(1, 2, 28), -1, &r));
    cr_assert_eq(r, ymd(1, 1, 28));
    cr_assert(!date_add_months(ymd(1, 1, 31), -1, &r));
    cr_assert(date_add_months(FIRST_DAY, 9998 * 12 + 11, &r));
    cr_assert_eq(r, ymd(9999, 12, 1));
    cr_assert(!date_add_months(FIRST_DAY, 9998 * 12 + 12, &r));
    cr_assert(date_add_months(LAST_DAY, -(9998 * 12 + 11), &r));
    cr_assert_eq(r, ymd(1, 1, 31));
    r = 777;
    cr_assert(!date_add_months(0, INT64_MAX, &r));
    cr_assert(!date_add_months(0, INT64_MIN, &r));
    cr_assert_eq(r, 777);
}

Test(date, add_duration_months_then_days)
{
    Date r;
    /* Days first would give 2026-02-28. */
    cr_assert(date_add_duration(ymd(2026, 1, 30), (Duration){1, 1}, false, &r));
    cr_assert_eq(r, ymd(2026, 3, 1));
    cr_assert(date_add_duration(ymd(2026, 3, 1), (Duration){1, 1}, true, &r));
    cr_assert_eq(r, ymd(2026, 1, 31));
    cr_assert(date_add_duration(ymd(2024, 2, 29), (Duration){12, 0}, false, &r));
    cr_assert_eq(r, ymd(2025, 2, 28));
    cr_assert(date_add_duration(ymd(2026, 3, 31), (Duration){-1, -1}, true, &r));
    cr_assert_eq(r, ymd(2026, 5, 1));
    cr_assert(date_add_duration(ymd(2026, 3, 31), (Duration){0, 0}, true, &r));
    cr_assert_eq(r, ymd(2026, 3, 31));
}

Test(date, add_duration_at_range_limits)
{
    Date r = 777;
    cr_assert(date_add_duration(LAST_DAY, (Duration){0, 1}, true, &r));
    cr_assert_eq(r, ymd(9999, 12, 30));
    cr_assert(!date_add_duration(LAST_DAY, (Duration){0, 1}, false, &r));
    cr_assert(!date_add_duration(FIRST_DAY, (Duration){0, 1}, true, &r));
    cr_assert(!date_add_duration(FIRST_DAY, (Duration){1, 0}, true, &r));
    cr_assert(date_add_duration(FIRST_DAY, (Duration){9998 * 12 + 11, 30}, false, &r));
    cr_assert_eq(r, LAST_DAY);
    r = 777;
    cr_assert(!date_add_duration(0, (Duration){INT32_MIN, INT32_MIN}, true, &r));
    cr_assert(!date_add_duration(0, (Duration){INT32_MAX, 0}, false, &r));
    cr_assert(!date_add_duration(0, (Duration){0, INT32_MIN}, false, &r));
    cr_assert_eq(r, 777);
}

/* ------------------------------------------------------------ weekdays */

Test(date, weekday_of_known_dates)
{
    cr_assert_eq(date_weekday(ymd(1970, 1, 1)), 4, "Thursday");
    cr_assert_eq(date_weekday(ymd(2000, 1, 1)), 6, "Saturday");
    cr_assert_eq(date_weekday(ymd(2024, 2, 29)), 4, "Thursday");
    cr_assert_eq(date_weekday(ymd(2026, 11, 22)), 7, "Sunday");
    cr_assert_eq(date_weekday(ymd(2026, 11, 23)), 1, "Monday");
    cr_assert_eq(date_weekday(ymd(1969, 12, 28)), 7, "Sunday, before the epoch");
    cr_assert_eq(date_weekday(FIRST_DAY), 1, "0001-01-01 is a Monday");
    cr_assert_eq(date_weekday(LAST_DAY), 5, "9999-12-31 is a Friday");
}

Test(date, weekday_cycles_through_the_epoch)
{
    for (Date d = -20; d < 20; d++)
        cr_assert_eq(date_weekday(d + 1), date_weekday(d) % 7 + 1, "day %d", d);
}

/* ------------------------------------------------------------ months between */

Test(date, months_between)
{
    cr_assert_eq(date_months_between(ymd(2026, 1, 15), ymd(2026, 2, 15)), 1);
    cr_assert_eq(date_months_between(ymd(2026, 1, 15), ymd(2026, 2, 14)), 0);
    cr_assert_eq(date_months_between(ymd(2026, 1, 15), ymd(2026, 1, 15)), 0);
    cr_assert_eq(date_months_between(ymd(2020, 5, 10), ymd(2026, 5, 9)), 71);
    cr_assert_eq(date_months_between(ymd(2020, 5, 10), ymd(2026, 5, 10)), 72);
    /* The day is clamped: January 31st reaches its month in February's last day. */
    cr_assert_eq(date_months_between(ymd(2026, 1, 31), ymd(2026, 2, 28)), 1);
    cr_assert_eq(date_months_between(ymd(2024, 1, 31), ymd(2024, 2, 28)), 0);
    cr_assert_eq(date_months_between(ymd(2024, 1, 31), ymd(2024, 2, 29)), 1);
}

Test(date, months_between_backwards)
{
    cr_assert_eq(date_months_between(ymd(2026, 2, 15), ymd(2026, 1, 15)), -1);
    cr_assert_eq(date_months_between(ymd(2026, 2, 15), ymd(2026, 1, 16)), 0);
    cr_assert_eq(date_months_between(ymd(2026, 3, 31), ymd(2026, 2, 28)), -1);
    cr_assert_eq(date_months_between(ymd(2026, 2, 28), ymd(2026, 1, 30)), 0);
    cr_assert_eq(date_months_between(ymd(2026, 5, 10), ymd(2020, 5, 11)), -71);
}

Test(date, months_between_at_range_limits)
{
    cr_assert_eq(date_months_between(FIRST_DAY, LAST_DAY), 9998 * 12 + 11);
    cr_assert_eq(date_months_between(LAST_DAY, FIRST_DAY), -(9998 * 12 + 11));
    cr_assert_eq(date_months_between(FIRST_DAY, FIRST_DAY), 0);
    cr_assert_eq(date_months_between(LAST_DAY, LAST_DAY), 0);
}

/* months_between(a, b) is the k with a + k months <= b < a + (k+1) months
 * (mirrored when b < a): the two functions must agree on every pair. */
Test(date, months_between_agrees_with_add_months)
{
    Date start = ymd(2023, 12, 25);
    for (Date a = start; a < start + 75; a += 3) {
        for (Date b = start; b < start + 500; b += 7) {
            int64_t k = date_months_between(a, b);
            Date lo, hi;
            if (b >= a) {
                cr_assert(date_add_months(a, k, &lo) && date_add_months(a, k + 1, &hi));
                cr_assert(lo <= b && b < hi, "a=%d b=%d k=%lld", a, b, (long long)k);
            } else {
                cr_assert(date_add_months(a, k, &hi) && date_add_months(a, k - 1, &lo));
                cr_assert(lo < b && b <= hi, "a=%d b=%d k=%lld", a, b, (long long)k);
            }
        }
    }
}

/* ------------------------------------------------------------ today */

static Date local_date_via_libc(time_t t)
{
    struct tm tm;
    char text[32];
    Date d;
    cr_assert(localtime_r(&t, &tm) != NULL);
    strftime(text, sizeof text, "%Y-%m-%d", &tm);
    cr_assert(date_parse_iso(text, strlen(text), &d), "%s", text);
    return d;
}

Test(date, today_is_the_local_calendar_date)
{
    time_t before = time(NULL);
    Date today = date_today();
    time_t after = time(NULL);
    /* Midnight may pass between the calls. */
    cr_assert(today == local_date_via_libc(before) || today == local_date_via_libc(after));
}
