/*
 * date.c — proleptic Gregorian dates as day numbers since 1970-01-01, and
 * the month arithmetic that the policy language's durations need.
 *
 * Conversions count years from 1 March, so that the leap day is the last day
 * of a year and everything before it has the same length in every year.
 * Internal arithmetic is in int64 so that no input, valid or not, can
 * overflow.
 */
#include "date.h"

#include <time.h>

/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT 719468
/* Days in 400 Gregorian years: a whole cycle of the leap rules. */
#define DAYS_PER_ERA 146097


static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool in_range(Date d)
{
    return d >= DATE_MIN && d <= DATE_MAX;
}

/* Months counted from March: their lengths repeat 31,30,31,30,31 twice and
 * then run into the short February, so (153 * mp + 2) / 5 gives the days
 * before month mp (March = 0) for every month of the shifted year. */
static int64_t days_before_shifted_month(int64_t mp)
{
    return (153 * mp + 2) / 5;
}

static int64_t days_from_ymd(int64_t y, int64_t m, int64_t d)
{
    if (m <= 2)
        y--; /* January and February belong to the previous shifted year */
    int64_t mp = m > 2 ? m - 3 : m + 9;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400; /* 0..399 */
    int64_t doy = days_before_shifted_month(mp) + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

static void ymd_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + EPOCH_SHIFT;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t rest = z - era * DAYS_PER_ERA; /* 0..146096 */

    /* Peel off centuries, four-year cycles and years. Each cycle has its
     * leap day (if any) at its very end, so only that last day can make
     * the quotient one too big; capping it keeps that day in the last unit. */
    int64_t centuries = rest / 36524;
    if (centuries > 3)
        centuries = 3;
    rest -= centuries * 36524;
    int64_t quads = rest / 1461;
    rest -= quads * 1461;
    int64_t years = rest / 365;
    if (years > 3)
        years = 3;
    rest -= years * 365; /* day of the shifted year, 0..365 */

    int64_t mp = (5 * rest + 2) / 153;
    *d = (int)(rest - days_before_shifted_month(mp) + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = era * 400 + centuries * 100 + quads * 4 + years + (*m <= 2 ? 1 : 0);
}

int date_days_in_month(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && is_leap(y))
        return 29;
    return len[m - 1];
}

bool date_valid_ymd(int y, int m, int d)
{
    return y >= DATE_MIN_YEAR && y <= DATE_MAX_YEAR && m >= 1 && m <= 12 && d >= 1 &&
           d <= date_days_in_month(y, m);
}

Date date_from_ymd(int y, int m, int d)
{
    return (Date)days_from_ymd(y, m, d);
}

void date_to_ymd(Date date, int *y, int *m, int *d)
{
    int64_t year;
    ymd_from_days(date, &year, m, d);
    *y = (int)year;
}

static bool digits_at(const char *s, size_t from, size_t count, int *out)
{
    int v = 0;
    for (size_t i = from; i < from + count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool date_parse_iso(const char *s, size_t n, Date *out)
{
    int y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    if (!digits_at(s, 0, 4, &y) || !digits_at(s, 5, 2, &m) || !digits_at(s, 8, 2, &d))
        return false;
    if (!date_valid_ymd(y, m, d))
        return false;
    *out = date_from_ymd(y, m, d);
    return true;
}

size_t date_format_iso(Date date, char *buf)
{
    static const char invalid[] = "0000-00-00";
    int y, m, d;
    /* A date outside 1..9999 has no 10-byte form; write something that is
     * visibly wrong and that date_parse_iso rejects, rather than overrun. */
    if (!in_range(date)) {
        for (size_t i = 0; i < sizeof invalid; i++)
            buf[i] = invalid[i];
        return 10;
    }
    date_to_ymd(date, &y, &m, &d);
    int parts[3][2] = {{y, 4}, {m, 2}, {d, 2}};
    size_t pos = 0;
    for (int p = 0; p < 3; p++) {
        int v = parts[p][0];
        for (int k = parts[p][1] - 1; k >= 0; k--) {
            buf[pos + (size_t)k] = (char)('0' + v % 10);
            v /= 10;
        }
        pos += (size_t)parts[p][1];
        if (p < 2)
            buf[pos++] = '-';
    }
    buf[pos] = '\0';
    return pos;
}

bool date_add_days(Date date, int64_t days, Date *out)
{
    if (!in_range(date))
        return false;
    /* Compare before adding: days may be anywhere in int64. */
    if (days > (int64_t)DATE_MAX - date || days < (int64_t)DATE_MIN - date)
        return false;
    *out = (Date)(date + days);
    return true;
}

bool date_add_months(Date date, int64_t months, Date *out)
{
    if (!in_range(date))
        return false;
    /* Anything larger leaves 1..9999 from any start; the cap keeps the
     * month count below from overflowing. */
    const int64_t span = (int64_t)(DATE_MAX_YEAR - DATE_MIN_YEAR + 1) * 12;
    if (months > span || months < -span)
        return false;
    int64_t y;
    int m, d;
    ymd_from_days(date, &y, &m, &d);
    int64_t total = y * 12 + (m - 1) + months;
    int64_t ny = floor_div(total, 12);
    int nm = (int)(total - ny * 12) + 1;
    if (ny < DATE_MIN_YEAR || ny > DATE_MAX_YEAR)
        return false;
    int last = date_days_in_month((int)ny, nm);
    *out = date_from_ymd((int)ny, nm, d < last ? d : last);
    return true;
}

bool date_add_duration(Date date, Duration dur, bool subtract, Date *out)
{
    /* int64 so that negating INT32_MIN is harmless. */
    int64_t months = dur.months, days = dur.days;
    if (subtract) {
        months = -months;
        days = -days;
    }
    Date mid;
    return date_add_months(date, months, &mid) && date_add_days(mid, days, out);
}

int date_weekday(Date date)
{
    /* 1970-01-01 was a Thursday (4). */
    return (int)(((int64_t)date + 3) - floor_div((int64_t)date + 3, 7) * 7) + 1;
}

int64_t date_months_between(Date a, Date b)
{
    int64_t ya, yb;
    int ma, da, mb, db;
    ymd_from_days(a, &ya, &ma, &da);
    ymd_from_days(b, &yb, &mb, &db);
    int64_t months = (yb * 12 + mb) - (ya * 12 + ma);
    /* a + months lands in b's month on a's day, clamped to that month's
     * end; if that overshoots b, the last month is not complete yet. */
    int last = date_days_in_month((int)yb, mb);
    int target = da < last ? da : last;
    if (b >= a) {
        if (db < target)
            months--;
    } else {
        if (db > target)
            months++;
    }
    return months;
}

Date date_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) == NULL)
        return (Date)floor_div((int64_t)now, 86400); /* UTC beats nothing */
    return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
