/* gen_exports: writes the seven export files of EXPORTS.md for one
 * synthetic, consistent region, for the scale benchmark (tests/bench/scale).
 *
 *   gen_exports [--count FILE=N]... OUTDIR [SCALE [SEED]]
 *
 * SCALE (default 1, may be fractional: 0.01) multiplies every count; at 1:
 *   vardcentraler.csv       10 000 centres
 *   personal.csv           100 000 rows (some persons at two centres)
 *   st_lakare.jsonl         50 000 doctors: 20 % kandidat, 30 % ko, 50 % inskriven
 *   kurstillfallen.jsonl    20 000 course occasions, 2024-2029
 *   kursansokningar.jsonl  200 000 applications
 *   omraden.csv                  5 sub-regions (the positions scale)
 *   kalender.jsonl           3 000 events, 600 per sub-region, 2024-2029
 * The calendar is the one count SCALE leaves alone: the five sub-regions
 * and the years are fixed, so ten times the events would put an ST-dag on
 * almost every day and every course would clash (F2). --count
 * kalender=N changes it, as --count does for every other file (vardcentraler,
 * personal, st_lakare, kurstillfallen, kursansokningar); SEED defaults to 1.
 *
 * The output depends only on the arguments: every file has its own
 * splitmix64 stream, nothing reads the clock or the locale, and no floating
 * point reaches a value, so every machine writes the same bytes.
 *
 * The region is consistent - doctors' centres, their supervisors in
 * personal.csv, the applicants and courses of the applications exist - but
 * for a small share of deliberate misses (unknown centres, supervisors at
 * other centres, applications naming a doctor or course that does not
 * exist: the DATA rule). No record breaks its format: `regel run` must
 * report 0 invalid. The draws make every rule of the seven decisions pass
 * on some records and fail on others; a few values are spelled in
 * decomposed Unicode or with a trailing space, and a few CSV cells are
 * quoted, as real exports are. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- PRNG */

typedef struct {
    uint64_t s;
} Rng;

static uint64_t next_u64(Rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* One stream per file, so a change to one file's draws leaves the others. */
static Rng stream(uint64_t seed, uint64_t file)
{
    Rng r = {seed * 0x2545f4914f6cdd1dULL + file * 0x9e3779b97f4a7c15ULL};
    next_u64(&r);
    return r;
}

/* A number in [0, n). The modulo bias is irrelevant here. */
static unsigned below(Rng *r, unsigned n)
{
    return n ? (unsigned)(next_u64(r) % n) : 0;
}

/* A number in [lo, hi]. */
static int between(Rng *r, int lo, int hi)
{
    return lo + (int)below(r, (unsigned)(hi - lo + 1));
}

/* True with probability percent / 100 (percent may be fractional as tenths:
 * per_mille). */
static int chance(Rng *r, unsigned percent)
{
    return below(r, 100) < percent;
}

static int per_mille(Rng *r, unsigned n)
{
    return below(r, 1000) < n;
}

/* An index drawn by integer weights. */
static unsigned weighted(Rng *r, const unsigned *w, unsigned n)
{
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++)
        total += w[i];
    unsigned x = below(r, total);
    for (unsigned i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ---------------------------------------------------------------- dates */
/* Days since 1970-01-01 (H. Hinnant's civil calendar algorithms). */

static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int month_days(int y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : n[m - 1];
}

/* d + n calendar months, clamped to the month's end (01-31 + 1 = 02-28). */
static int add_months(int day, int n)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    int k = y * 12 + (m - 1) + n;
    y = k / 12;
    m = k % 12 + 1;
    if (d > month_days(y, m))
        d = month_days(y, m);
    return days_from_civil(y, m, d);
}

static int year_of(int day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return y;
}

/* Monday is 0. 1970-01-01 was a Thursday. */
static int weekday(int day)
{
    return ((day % 7) + 7 + 3) % 7;
}

/* The Monday after a Saturday or Sunday. */
static int workday(int day)
{
    int w = weekday(day);
    return w == 5 ? day + 2 : w == 6 ? day + 1 : day;
}

static int uniform_day(Rng *r, int from, int to)
{
    return between(r, from, to);
}

/* The date as "YYYY-MM-DD" in one of a few rotating buffers. */
static const char *iso(int day)
{
    static char buf[8][11];
    static unsigned next;
    char *b = buf[next++ % 8];
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(b, sizeof buf[0], "%04d-%02d-%02d", y, m, d);
    return b;
}

/* ---------------------------------------------------------------- ids */

/* A bijection of [0, 10^12): distinct n give distinct ids, and the ids do
 * not follow the order of n (HSA-id order breaks the queue's ties). Four
 * rounds of a Feistel network on two halves of six digits. */
static uint64_t scramble(uint64_t n, uint64_t key)
{
    uint64_t l = n / 1000000 % 1000000, r = n % 1000000;
    for (uint64_t round = 1; round <= 4; round++) {
        Rng h = {r * 0x9e3779b97f4a7c15ULL + key * 0xbf58476d1ce4e5b9ULL + round};
        uint64_t t = (l + next_u64(&h) % 1000000) % 1000000;
        l = r;
        r = t;
    }
    return l * 1000000 + r;
}

/* Ranges of n that never meet: staff, doctors, ids of nobody. */
#define N_STAFF 1ULL
#define N_DOCTOR 300000000000ULL
#define N_NOBODY 600000000000ULL
#define N_CENTRE 1ULL
#define N_NO_CENTRE 700000000000ULL

static const char *person_id(uint64_t n)
{
    static char buf[4][32];
    static unsigned next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "SE2321000131-P%012llu",
             (unsigned long long)scramble(n, 1));
    return b;
}

static const char *centre_id(uint64_t n)
{
    static char buf[4][32];
    static unsigned next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "SE2321000131-E%012llu",
             (unsigned long long)scramble(n, 2));
    return b;
}

/* ---------------------------------------------------------------- words */

static const char *const areas[] = {
    "Göteborg", "Södra Bohuslän", "Fyrbodal", "Södra Älvsborg", "Skaraborg",
};
static const unsigned area_weights[] = {34, 11, 17, 18, 20};
/* Not in omraden.csv: such a doctor's sub-region has no funded position. */
static const char *const unknown_area = "Sjuhärad";

static const char *const centre_prefixes[] = {
    "Vårdcentralen", "Hälsocentralen", "Närhälsan", "Din Vårdcentral i", "Läkarhuset",
    "Capio Vårdcentral", "Hälsans Hus",
};
static const char *const places[] = {
    "Åmål",      "Öckerö",   "Mölndal",   "Härryda",    "Borås",      "Skövde",  "Trollhättan",
    "Lidköping", "Älvängen", "Kungälv",   "Mariestad",  "Uddevalla",  "Lysekil", "Strömstad",
    "Töreboda",  "Ale",      "Alingsås",  "Vänersborg", "Falköping",  "Hönö",    "Hjällbo",
    "Angered",   "Lerum",    "Partille",  "Tjörn",      "Stenungsund", "Ulricehamn", "Tidaholm",
    "Götene",    "Herrljunga", "Bengtsfors", "Dals-Ed",  "Färgelanda", "Kortedala", "Majorna",
};
static const char *const centre_suffixes[] = {
    "", "", "", "", " Norra", " Södra", " Östra", " Västra", " Centrum", " Torg",
};
static const char *const first_names[] = {
    "Karin", "Måns",  "Agnès", "Östen", "Göran", "Ebba",   "Sara",  "Amélie", "Björn",  "Åsa",
    "Linnéa", "Jörgen", "Maja", "Anders", "Eva",  "Zoë",    "Hüseyin", "Ali", "Fatima", "Per",
    "Ingrid", "Oskar", "Elin", "Stellan", "Märta", "Ruth",  "Håkan", "Leïla", "Nils",   "Sofia",
};
static const char *const last_names[] = {
    "Lindén",   "Ekström",  "Eriksson", "Dahlén",   "Fröjd",  "Mäkinen",   "Öberg",    "Åkesson",
    "Johansson", "Karlsson", "Nilsson",  "Larsson",  "Olsson", "Persson",   "Svensson", "Gustafsson",
    "Pettersson", "Jönsson", "Hansson",  "Bengtsson", "Lundén", "Sjöström",  "Wästlund", "Håkansson",
    "Andrée",   "Yilmaz",   "Nguyen",   "Öztürk",   "Ström",  "Björklund",
};

/* E5: the mandatory course subjects and their delmål (RULES.md). */
typedef struct {
    const char *amne;
    const char *d2015[2];
    const char *d2021[2];
} Subject;

static const Subject subjects[] = {
    {"Ledarskap och pedagogik", {"a1", 0}, {"STa5", "STa6"}},
    {"Sjukvårdens organisation och styrning", {"a6", 0}, {"STa1", 0}},
    {"Medicinsk etik", {"a2", 0}, {"STa4", 0}},
    {"Medicinsk vetenskap", {"a5", 0}, {"STa3", 0}},
    {"Medicinsk juridik", {"a6", "c14"}, {"STc15", 0}},
    {"Konsultationskunskap", {"b1", 0}, {"STb1", 0}},
    {"Sjukdomsförebyggande arbete", {"b2", 0}, {"STb2", 0}},
    {"Läkemedel", {"b3", 0}, {"STc14", 0}},
    {"Försäkringsmedicin", {"b4", 0}, {"STb3", 0}},
    {"Palliativ vård", {"b5", 0}, {"STb4", 0}},
    {"Allmänmedicinskt arbetssätt", {"c3", 0}, {"STc3", 0}},
    {"Barnhälsovård inklusive barnskydd", {"c6", 0}, {"STc6", 0}},
    {"Kvalitetsarbete, patientsäkerhet", {0, 0}, {"STa2", 0}},
};
#define N_SUBJECTS ((unsigned)COUNT(subjects))

/* Delmål no subject makes mandatory, pairwise in 2015 and 2021, with the
 * title of a course that gives them. */
static const struct {
    const char *d2015, *d2021, *titel;
} optional_goals[] = {
    {"c1", "STc1", "Akut omhändertagande i primärvården"},
    {"c2", "STc2", "Multisjuka äldre"},
    {"c4", "STc4", "Dermatologi för allmänläkare"},
    {"c5", "STc5", "Ortopedi och idrottsmedicin"},
    {"c7", "STc7", "Psykisk ohälsa hos unga vuxna"},
    {"c9", "STc9", "Diabetes och hjärt-kärlsjukdom"},
    {"c10", "STc10", "Infektioner och antibiotika"},
    {"c11", "STc11", "Öron-, näs- och halssjukdomar"},
    {"c12", "STc12", "Ögonsjukdomar i primärvården"},
    {"c13", "STc13", "Kvinnosjukvård och preventivmedel"},
};

static const char *const congresses[] = {
    "Nordisk allmänmedicinsk kongress",
    "SFAM:s vårmöte",
    "Allmänmedicinska dagarna i Göteborg",
    "WONCA Europe",
};

static const char *const title_variants[] = {
    "", "", " för ST-läkare", " i primärvården", " – fördjupning", " (distans)",
};

enum { ALK, SK, VGR, SJH, PLUS, EXT, N_ARRANGORER };
static const char *const arrangor_names[] = {
    "Allmänläkarkurser", "SK-kurs", "VGR Akademin", "Sjukhus", "PLUS", "Extern",
};
static const char *const arrangor_prefixes[] = {"ALK", "SK", "VGR", "SJH", "PLUS", "EXT"};
static const unsigned arrangor_weights[] = {28, 20, 14, 14, 6, 18};

static const char *const course_places[] = {
    "Göteborg", "Stockholm", "Åre", "Umeå", "Malmö", "Borås", "Skövde", "Trollhättan",
    "Uddevalla", "Vänersborg", "Distans", "Lund", "Örebro",
};
/* Money in whole crowns; a few with öre. Few distinct values, so the
 * ranking's cost tie-break has ties to break. */
static const unsigned course_costs[] = {0, 1500, 2500, 3300, 4500, 6200, 7300, 8500, 12000, 15500};
static const unsigned travel_costs[] = {0, 0, 850, 1200, 2400, 3600, 4350};

enum { INTERN, PSYK, BARN, GYN, ANNAN };
static const char *const side_types[] = {"internmedicin", "psykiatri", "barn_och_ungdom", "gynekologi", "annan"};
static const char *const side_clinics[][3] = {
    {"SU Medicin", "SkaS Medicin", "NÄL Internmedicin"},
    {"SU Psykiatri", "SkaS Psykiatri", "NU-sjukvården Psykiatri"},
    {"Drottning Silvias barnsjukhus", "SÄS Barn- och ungdomsmedicin", "SkaS Barnmedicin"},
    {"Alingsås lasarett Gynekologi", "SU Kvinnosjukvård", "NÄL Gynekologi"},
    {"SU Geriatrik", "SÄS Akutmottagning", "Kungälvs sjukhus Ortopedi"},
};

/* ---------------------------------------------------------------- text */

/* The value in decomposed Unicode (NFD) for the five letters that occur:
 * the reader must compose it again. */
static const char *nfd(const char *s)
{
    static char buf[4][256];
    static unsigned next;
    char *b = buf[next++ % 4];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < sizeof buf[0];) {
        const char *base = 0, *mark = 0;
        if (p[0] == 0xC3) {
            switch (p[1]) {
            case 0xA5: base = "a", mark = "\xCC\x8A"; break; /* å */
            case 0xA4: base = "a", mark = "\xCC\x88"; break; /* ä */
            case 0xB6: base = "o", mark = "\xCC\x88"; break; /* ö */
            case 0xA9: base = "e", mark = "\xCC\x81"; break; /* é */
            case 0x85: base = "A", mark = "\xCC\x8A"; break; /* Å */
            case 0x84: base = "A", mark = "\xCC\x88"; break; /* Ä */
            case 0x96: base = "O", mark = "\xCC\x88"; break; /* Ö */
            }
        }
        if (base) {
            b[o++] = base[0];
            b[o++] = mark[0];
            b[o++] = mark[1];
            p += 2;
        } else {
            b[o++] = (char)*p++;
        }
    }
    b[o] = 0;
    return b;
}

/* Now and then a value as a real export spells it: decomposed, or with a
 * space after it (both normalised away by the reader). */
static const char *untidy(Rng *r, const char *s)
{
    unsigned x = below(r, 1000);
    if (x < 5)
        return nfd(s);
    if (x < 8) {
        static char buf[256];
        snprintf(buf, sizeof buf, "%s ", s);
        return buf;
    }
    return s;
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "gen_exports: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    static char *bufs[8];
    static unsigned n;
    bufs[n % 8] = realloc(bufs[n % 8], 1 << 20);
    setvbuf(f, bufs[n++ % 8], _IOFBF, 1 << 20);
    return f;
}

static void close_out(FILE *f, const char *name)
{
    if (ferror(f) || fclose(f) != 0) {
        fprintf(stderr, "gen_exports: writing %s failed\n", name);
        exit(1);
    }
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "gen_exports: out of memory\n");
        exit(1);
    }
    return p;
}

static const char *ja_nej(int b)
{
    return b ? "ja" : "nej";
}

static const char *tf(int b)
{
    return b ? "true" : "false";
}

/* ---------------------------------------------------------------- the region */

static const char *outdir;
static uint64_t seed;

static size_t n_centres, n_staff, n_doctors, n_courses, n_applications, n_events;

/* Centres. */
static uint8_t *centre_area;
static uint8_t *centre_small;

/* Staff rows, and per centre (CSR) its rows and its supervisors' rows. */
static uint32_t *staff_centre;
static uint64_t *staff_person;
static uint8_t *staff_supervisor;
static size_t *centre_rows_at, *centre_rows;
static size_t *centre_sups_at, *centre_sups;

/* Courses. */
typedef struct {
    int start, slut;
    uint8_t arrangor;
    uint8_t vinst;
    int16_t optional; /* index in optional_goals, or -1 */
    uint16_t subjects; /* bits of subjects[] */
    char id[24];
} Course;
static Course *courses;
/* Per subject, the courses that give it (CSR). */
static size_t *subject_courses_at, *subject_courses;

/* Doctors. */
enum { KANDIDAT, KO, INSKRIVEN };
static const char *const status_names[] = {"kandidat", "ko", "inskriven"};
static uint8_t *doctor_status;
static size_t *enrolled;
static size_t n_enrolled;
static size_t ko_in_area[COUNT(areas)], enrolled_in_area[COUNT(areas)];

static int D2021, D2024, D2026, D2029_END, TODAY;

/* ---------------------------------------------------------------- vardcentraler.csv */

static void centre_name(Rng *r, char *buf, size_t size)
{
    const char *pre = centre_prefixes[below(r, COUNT(centre_prefixes))];
    const char *place = places[below(r, COUNT(places))];
    const char *suf = centre_suffixes[below(r, COUNT(centre_suffixes))];
    if (per_mille(r, 10)) {
        /* A name with the separator in it: the cell is quoted. */
        const char *other = places[below(r, COUNT(places))];
        if (other == place)
            other = "Centrum";
        snprintf(buf, size, "\"%s %s; %s\"", pre, place, other);
    } else {
        snprintf(buf, size, "%s %s%s", pre, place, suf);
    }
}

static void write_centres(void)
{
    Rng r = stream(seed, 1);
    FILE *f = open_out(outdir, "vardcentraler.csv");
    fputs("\xEF\xBB\xBFHSA-id;Namn;Delregionalt område;Listade invånare;Antal ST-läkare;"
          "Kvalitetskriterier uppfyllda;Utbildningsplatser alla professioner;"
          "Godkänd utbildningsvårdcentral;Utbildar läkarstudenter;Utbildar AT-läkare\r\n",
          f);
    static const unsigned st_weights[] = {30, 30, 20, 12, 8};
    centre_area = xcalloc(n_centres, 1);
    centre_small = xcalloc(n_centres, 1);
    for (size_t i = 0; i < n_centres; i++) {
        char name[256];
        centre_name(&r, name, sizeof name);
        unsigned area = weighted(&r, area_weights, COUNT(areas));
        centre_area[i] = (uint8_t)area;
        centre_small[i] = chance(&r, 10);
        int listade = centre_small[i] ? between(&r, 1200, 5000) : between(&r, 2500, 16000);
        unsigned st = weighted(&r, st_weights, COUNT(st_weights));
        int a1 = chance(&r, 92), a2 = chance(&r, 93);
        int a4a = chance(&r, 96), a4b = chance(&r, 96), a4c = chance(&r, 96);
        fprintf(f, "%s;%s;%s;%d;%u;%s;%s;%s;%s;%s\r\n", centre_id(N_CENTRE + i), name,
                untidy(&r, areas[area]), listade, st, ja_nej(a1), ja_nej(a2), ja_nej(a4a), ja_nej(a4b), ja_nej(a4c));
    }
    close_out(f, "vardcentraler.csv");
}

/* ---------------------------------------------------------------- personal.csv */

static void person_name(Rng *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s %s", first_names[below(r, COUNT(first_names))],
             last_names[below(r, COUNT(last_names))]);
}

/* Per centre (CSR) the entries of list[0..n) whose centre is key[]. */
static void group_by_centre(const uint32_t *centre_of, const size_t *items, size_t n, size_t **at_out,
                            size_t **list_out)
{
    size_t *at = xcalloc(n_centres + 1, sizeof *at);
    size_t *list = xcalloc(n, sizeof *list);
    for (size_t k = 0; k < n; k++)
        at[centre_of[items[k]] + 1]++;
    for (size_t c = 0; c < n_centres; c++)
        at[c + 1] += at[c];
    size_t *fill = xcalloc(n_centres, sizeof *fill);
    for (size_t k = 0; k < n; k++) {
        uint32_t c = centre_of[items[k]];
        list[at[c] + fill[c]++] = items[k];
    }
    free(fill);
    *at_out = at;
    *list_out = list;
}

static void write_staff(void)
{
    Rng r = stream(seed, 2);
    FILE *f = open_out(outdir, "personal.csv");
    fputs("\xEF\xBB\xBFHSA-id;Namn;Arbetsplats;Specialitet;Tjänstgöringsgrad;Handledare\r\n", f);
    static const char *const specialties[] = {"Allmänmedicin", "", "Internmedicin", "Psykiatri",
                                              "Geriatrik", "Barn- och ungdomsmedicin"};
    static const unsigned specialty_weights[] = {52, 33, 5, 3, 3, 4};
    static const char *const grades[] = {"100", "100", "100", "80", "75", "62,5", "50",
                                         "50",  "40",  "25",  "20", "0",  "62.5", "37,5"};
    staff_centre = xcalloc(n_staff, sizeof *staff_centre);
    staff_person = xcalloc(n_staff, sizeof *staff_person);
    staff_supervisor = xcalloc(n_staff, 1);
    size_t n_sups = 0;
    size_t *all = xcalloc(n_staff, sizeof *all);
    size_t *sups = xcalloc(n_staff, sizeof *sups);
    for (size_t j = 0; j < n_staff; j++) {
        /* A small centre keeps one row in five that fall on it. */
        size_t c = below(&r, (unsigned)n_centres);
        if (centre_small[c] && !chance(&r, 20))
            c = below(&r, (unsigned)n_centres);
        int unknown_workplace = per_mille(&r, 3);
        /* Some persons serve at two centres: the same HSA-id again. */
        uint64_t person = j > 0 && chance(&r, 2) ? staff_person[below(&r, (unsigned)j)] : N_STAFF + j;
        char name[128];
        person_name(&r, name, sizeof name);
        unsigned sp = weighted(&r, specialty_weights, COUNT(specialties));
        const char *grade = grades[below(&r, COUNT(grades))];
        int sup = sp == 0 ? chance(&r, 40) : chance(&r, 3);
        staff_centre[j] = (uint32_t)c;
        staff_person[j] = person;
        staff_supervisor[j] = (uint8_t)(sup && !unknown_workplace);
        all[j] = j;
        if (staff_supervisor[j])
            sups[n_sups++] = j;
        fprintf(f, "%s;%s;%s;%s;%s;%s\r\n", person_id(person), name,
                unknown_workplace ? centre_id(N_NO_CENTRE + j) : centre_id(N_CENTRE + c),
                sp == 0 ? untidy(&r, specialties[sp]) : specialties[sp], grade, ja_nej(sup));
    }
    close_out(f, "personal.csv");
    group_by_centre(staff_centre, all, n_staff, &centre_rows_at, &centre_rows);
    group_by_centre(staff_centre, sups, n_sups, &centre_sups_at, &centre_sups);
    free(all);
    free(sups);
}

/* ---------------------------------------------------------------- kurstillfallen.jsonl */

static void write_goal_list(FILE *f, const Course *k, int version2021)
{
    const char *seen[8];
    unsigned n = 0;
    fputc('[', f);
    if (k->optional >= 0) {
        const char *d = version2021 ? optional_goals[k->optional].d2021 : optional_goals[k->optional].d2015;
        fprintf(f, "\"%s\"", d);
        n++;
    }
    for (unsigned s = 0; s < N_SUBJECTS; s++) {
        if (!(k->subjects & (1u << s)))
            continue;
        const char *const *d = version2021 ? subjects[s].d2021 : subjects[s].d2015;
        for (unsigned i = 0; i < 2 && d[i]; i++) {
            int dup = 0;
            for (unsigned j = 0; j < n && j < COUNT(seen); j++)
                dup |= seen[j] && strcmp(seen[j], d[i]) == 0;
            if (dup)
                continue;
            if (n < COUNT(seen))
                seen[n] = d[i];
            fprintf(f, "%s\"%s\"", n ? "," : "", d[i]);
            n++;
        }
    }
    fputc(']', f);
}

static void write_courses(void)
{
    Rng r = stream(seed, 3);
    FILE *f = open_out(outdir, "kurstillfallen.jsonl");
    courses = xcalloc(n_courses, sizeof *courses);
    /* Per prefix and year, the next number. */
    static unsigned serial[N_ARRANGORER][10];
    /* One subject, two, an optional delmål, none (a congress).
     * Allmänläkarkurser and PLUS give only mandatory subjects. */
    static const unsigned kind_weights[] = {80, 5, 10, 5};
    static const unsigned own_kind_weights[] = {92, 8, 0, 0};
    static const unsigned length_weights[] = {35, 30, 25, 10};
    static const int lengths[] = {1, 2, 3, 5};
    size_t *per_subject = xcalloc(N_SUBJECTS + 1, sizeof *per_subject);
    for (size_t i = 0; i < n_courses; i++) {
        Course *k = &courses[i];
        k->arrangor = (uint8_t)weighted(&r, arrangor_weights, N_ARRANGORER);
        k->vinst = k->arrangor == EXT ? chance(&r, 45) : (k->arrangor != ALK && k->arrangor != PLUS && per_mille(&r, 10));
        k->optional = -1;
        unsigned kind = k->arrangor == ALK || k->arrangor == PLUS ? weighted(&r, own_kind_weights, 4)
                                                                  : weighted(&r, kind_weights, 4);
        char titel[256];
        if (kind == 0 || kind == 1) {
            unsigned a = below(&r, N_SUBJECTS), b = a;
            k->subjects = (uint16_t)(1u << a);
            if (kind == 1) {
                while (b == a)
                    b = below(&r, N_SUBJECTS);
                k->subjects |= (uint16_t)(1u << b);
                snprintf(titel, sizeof titel, "%s och %s", subjects[a].amne, subjects[b].amne);
            } else {
                snprintf(titel, sizeof titel, "%s%s", subjects[a].amne,
                         title_variants[below(&r, COUNT(title_variants))]);
            }
        } else if (kind == 2) {
            k->optional = (int16_t)below(&r, COUNT(optional_goals));
            snprintf(titel, sizeof titel, "%s", optional_goals[k->optional].titel);
        } else {
            snprintf(titel, sizeof titel, "%s", congresses[below(&r, COUNT(congresses))]);
        }
        k->start = workday(uniform_day(&r, D2024, D2029_END - 7));
        k->slut = k->start + lengths[weighted(&r, length_weights, COUNT(length_weights))] - 1;
        int year = year_of(k->start);
        snprintf(k->id, sizeof k->id, "%s-%d-%03u", arrangor_prefixes[k->arrangor], year,
                 ++serial[k->arrangor][year - 2024]);
        unsigned cost = course_costs[below(&r, COUNT(course_costs))];
        unsigned ore = per_mille(&r, 30) ? 50 : 0;
        unsigned travel = travel_costs[below(&r, COUNT(travel_costs))];
        const char *arr = arrangor_names[k->arrangor];
        fprintf(f, "{\"kurs_id\":\"%s\",\"titel\":\"%s\",\"arrangor\":\"%s\",\"vinstdrivande\":%s,", k->id, titel,
                k->arrangor == ALK ? untidy(&r, arr) : arr, tf(k->vinst));
        fputs("\"delmal_2015\":", f);
        write_goal_list(f, k, 0);
        fputs(",\"delmal_2021\":", f);
        write_goal_list(f, k, 1);
        fprintf(f, ",\"start\":\"%s\",\"slut\":\"%s\",\"ort\":\"%s\",\"kostnad_sek\":\"%u.%02u\","
                   "\"resa_logi_sek\":\"%u.00\"}\n",
                iso(k->start), iso(k->slut), course_places[below(&r, COUNT(course_places))], cost, ore, travel);
        for (unsigned s = 0; s < N_SUBJECTS; s++)
            per_subject[s + 1] += (k->subjects >> s) & 1;
    }
    close_out(f, "kurstillfallen.jsonl");
    for (unsigned s = 0; s < N_SUBJECTS; s++)
        per_subject[s + 1] += per_subject[s];
    subject_courses_at = per_subject;
    subject_courses = xcalloc(per_subject[N_SUBJECTS], sizeof *subject_courses);
    size_t fill[N_SUBJECTS] = {0};
    for (size_t i = 0; i < n_courses; i++)
        for (unsigned s = 0; s < N_SUBJECTS; s++)
            if (courses[i].subjects & (1u << s))
                subject_courses[per_subject[s] + fill[s]++] = i;
}

/* ---------------------------------------------------------------- st_lakare.jsonl */

static void write_side_services(Rng *r, FILE *f, int status, int finishing, int booked, int from)
{
    static const unsigned count_weights[] = {8, 12, 20, 30, 20, 10};
    unsigned n = status == INSKRIVEN ? weighted(r, count_weights, COUNT(count_weights)) : (chance(r, 10) ? 1 : 0);
    if (finishing && n < 4)
        n = 4 + below(r, 2);
    fputs("\"sidotjanstgoringar\":[", f);
    /* Mostly distinct mandatory types in a random order, now and then an
     * `annan`. */
    unsigned order[4] = {INTERN, PSYK, BARN, GYN};
    for (unsigned i = 3; i > 0; i--) {
        unsigned j = below(r, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    int at = from + between(r, 0, 400);
    /* A doctor booked back to back from before today to 2030: every
     * course clashes (kursval inget_tillfalle). */
    if (booked) {
        n = 6;
        at = TODAY - between(r, 1, 60);
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned typ = i < 4 && (finishing || !chance(r, 12)) ? order[i] : ANNAN;
        int start = workday(at);
        int slut = add_months(start, booked ? 7 : between(r, 2, 6)) - 1;
        fprintf(f, "%s{\"typ\":\"%s\",\"klinik\":\"%s\",\"start\":\"%s\",\"slut\":\"%s\"}", i ? "," : "",
                side_types[typ], side_clinics[typ][below(r, 3)], iso(start), iso(slut));
        at = slut + 1 + (booked ? 0 : between(r, 0, 200));
    }
    fputs("],", f);
}

static void write_course_list(Rng *r, FILE *f, int status, int finishing, int v2021)
{
    static const unsigned extra_weights[] = {40, 25, 15, 12, 8};
    unsigned n = 0;
    fputs("\"kurser\":[", f);
    if (status == INSKRIVEN) {
        /* The doctor's progress: the share of subjects already covered. */
        unsigned progress = finishing ? 100 : 50 + below(r, 51);
        for (unsigned s = 0; s < N_SUBJECTS; s++) {
            const char *const *d = v2021 ? subjects[s].d2021 : subjects[s].d2015;
            if (!d[0] || !chance(r, progress))
                continue;
            /* Now and then the codes of the other målbeskrivning, which
             * cover nothing. */
            if (!finishing && per_mille(r, 20))
                d = v2021 ? subjects[s].d2015 : subjects[s].d2021;
            if (!d[0])
                continue;
            size_t m = subject_courses_at[s + 1] - subject_courses_at[s];
            char hist[24];
            const char *id;
            size_t k = m ? subject_courses[subject_courses_at[s] + below(r, (unsigned)m)] : 0;
            if (m && courses[k].start < TODAY) {
                id = courses[k].id;
            } else {
                snprintf(hist, sizeof hist, "HIST-%04u", below(r, 10000));
                id = hist;
            }
            fprintf(f, "%s{\"kurs_id\":\"%s\",\"delmal\":[\"%s\"", n++ ? "," : "", id, d[0]);
            if (d[1])
                fprintf(f, ",\"%s\"", d[1]);
            fprintf(f, "],\"finansiering\":\"%s\",\"obligatorisk\":true}",
                    chance(r, 90) ? "utbildningsenheten" : "vardcentralen");
        }
        unsigned extra = weighted(r, extra_weights, COUNT(extra_weights));
        for (unsigned e = 0; e < extra; e++) {
            unsigned g = below(r, COUNT(optional_goals));
            fprintf(f, "%s{\"kurs_id\":\"EXT-%d-%03u\",\"delmal\":[\"%s\"],\"finansiering\":\"%s\",\"obligatorisk\":false}",
                    n++ ? "," : "", between(r, 2021, 2026), below(r, 1000),
                    v2021 ? optional_goals[g].d2021 : optional_goals[g].d2015,
                    chance(r, 80) ? "utbildningsenheten" : "vardcentralen");
        }
    }
    fputs("],", f);
}

static void write_doctors(void)
{
    Rng r = stream(seed, 4);
    FILE *f = open_out(outdir, "st_lakare.jsonl");
    static const unsigned status_weights[] = {20, 30, 50};
    static const char *const rates[] = {"100", "100", "100", "100", "80", "75", "50", "62.5", "100.0", "90"};
    static const char *const parts[] = {"st_lakare", "verksamhetschef", "handledare", "studierektor"};
    static const char *const work_states[] = {"ej_paborjat", "pagaende", "klart"};
    static const unsigned work_weights[] = {20, 35, 45};
    static const char *const months[] = {"0", "1", "2", "3", "4", "5", "6", "6", "7", "8", "2.5", "6.0"};
    doctor_status = xcalloc(n_doctors, 1);
    enrolled = xcalloc(n_doctors, sizeof *enrolled);
    for (size_t i = 0; i < n_doctors; i++) {
        int status = (int)weighted(&r, status_weights, COUNT(status_weights));
        doctor_status[i] = (uint8_t)status;
        if (status == INSKRIVEN)
            enrolled[n_enrolled++] = i;

        /* The centre, its sub-region and the supervisor. */
        size_t c = below(&r, (unsigned)n_centres);
        int unknown_centre = per_mille(&r, 10);
        unsigned area = centre_area[c];
        int area_kind = below(&r, 1000);
        if (unknown_centre || area_kind < 10)
            area = weighted(&r, area_weights, COUNT(areas));
        const char *area_name = area_kind >= 10 && area_kind < 13 ? unknown_area : untidy(&r, areas[area]);
        int known_area = !(area_kind >= 10 && area_kind < 13);
        uint64_t supervisor;
        size_t sups = centre_sups_at[c + 1] - centre_sups_at[c];
        size_t rows = centre_rows_at[c + 1] - centre_rows_at[c];
        unsigned how = below(&r, 100);
        if (how < 3)
            supervisor = N_NOBODY + i; /* nobody */
        else if (how < 7)
            supervisor = staff_person[below(&r, (unsigned)n_staff)]; /* someone elsewhere, most likely */
        else if (sups)
            supervisor = staff_person[centre_sups[centre_sups_at[c] + below(&r, (unsigned)sups)]];
        else if (rows)
            supervisor = staff_person[centre_rows[centre_rows_at[c] + below(&r, (unsigned)rows)]];
        else
            supervisor = staff_person[below(&r, (unsigned)n_staff)];
        if (status == KO && known_area)
            ko_in_area[area]++;
        if (status == INSKRIVEN && known_area)
            enrolled_in_area[area]++;

        /* Dates. An enrolled doctor enrolled between 2021 and now; the
         * others applied in the last three years. */
        int inskriven = status == INSKRIVEN ? uniform_day(&r, D2021, TODAY - 20) : 0;
        int has_inskriven = status == INSKRIVEN && !chance(&r, 5);
        int anst_start = status == INSKRIVEN ? inskriven - between(&r, 0, 90) : uniform_day(&r, D2024 - 200, TODAY - 60);
        anst_start = workday(anst_start);
        int kv_present = status == INSKRIVEN ? chance(&r, 93) : chance(&r, 90);
        int kv_start = anst_start + between(&r, 0, 30);
        /* Between 3 and 6 months, the ends themselves now and then, and
         * sometimes too short or too long. */
        int kv_slut;
        unsigned kv_kind = below(&r, 100);
        if (kv_kind < 6)
            kv_slut = add_months(kv_start, 3);
        else if (kv_kind < 10)
            kv_slut = add_months(kv_start, 6);
        else if (kv_kind < 14)
            kv_slut = add_months(kv_start, 3) - between(&r, 1, 30);
        else if (kv_kind < 17)
            kv_slut = add_months(kv_start, 6) + between(&r, 1, 30);
        else
            kv_slut = add_months(kv_start, 3) + between(&r, 1, 85);
        if (kv_slut > add_months(kv_start, 6) && kv_kind >= 17)
            kv_slut = add_months(kv_start, 6);
        int chef_redo = chance(&r, 96), handledare_redo = chance(&r, 96);
        int anmalan;
        int has_anmalan;
        if (status == KO) {
            has_anmalan = !chance(&r, 3);
            anmalan = uniform_day(&r, D2024, TODAY - 1);
        } else if (status == KANDIDAT) {
            has_anmalan = chance(&r, 30);
            anmalan = uniform_day(&r, TODAY - 300, TODAY - 1);
        } else {
            has_anmalan = chance(&r, 90);
            anmalan = inskriven - between(&r, 20, 120);
        }
        int gjort_at = chance(&r, 80);
        const char *bt = gjort_at ? (chance(&r, 90) ? "ej_aktuell" : "klar")
                                  : (chance(&r, 88) ? (chance(&r, 50) ? "pagaende" : "klar") : "ej_aktuell");
        int v2021 = status == INSKRIVEN && inskriven < days_from_civil(2021, 7, 1) ? chance(&r, 20) : chance(&r, 75);
        static const unsigned form_weights[] = {92, 5, 3};
        static const char *const forms[] = {"tillsvidare", "vikariat", "provanstallning"};
        const char *form = forms[weighted(&r, form_weights, 3)];
        const char *rate = rates[below(&r, COUNT(rates))];

        char name[128];
        person_name(&r, name, sizeof name);
        fprintf(f, "{\"hsa_id\":\"%s\",\"namn\":\"%s\",\"vardcentral\":\"%s\",\"omrade\":\"%s\",", person_id(N_DOCTOR + i),
                per_mille(&r, 5) ? nfd(name) : name, unknown_centre ? centre_id(N_NO_CENTRE + i) : centre_id(N_CENTRE + c),
                area_name);
        fprintf(f, "\"legitimerad\":%s,\"gjort_at\":%s,\"bt\":\"%s\",", tf(chance(&r, 97)), tf(gjort_at), bt);
        fprintf(f, "\"anstallning\":{\"start\":\"%s\",\"form\":\"%s\",\"tjanstgoringsgrad\":%s},", iso(anst_start), form,
                rate);
        fprintf(f, "\"handledare\":\"%s\",", person_id(supervisor));
        if (kv_present)
            fprintf(f, "\"kompetensvardering\":{\"start\":\"%s\",\"slut\":\"%s\",\"chef_redo\":%s,\"handledare_redo\":%s},",
                    iso(kv_start), iso(kv_slut), tf(chef_redo), tf(handledare_redo));
        else if (chance(&r, 80))
            fputs("\"kompetensvardering\":null,", f);
        fputs("\"dokument\":{", f);
        static const char *const docs[] = {"blankett_utbildningsuppdrag", "bilaga_underlag", "anstallningsbevis", "cv",
                                           "personligt_brev", "legitimationskopia", "belastningsregister_kontrollerat"};
        for (unsigned d = 0; d < COUNT(docs); d++)
            fprintf(f, "%s\"%s\":%s", d ? "," : "", docs[d], tf(status == INSKRIVEN || chance(&r, 98)));
        fputs("},", f);
        if (has_anmalan)
            fprintf(f, "\"anmalan_inkommen\":\"%s\",", iso(anmalan));
        else
            fputs("\"anmalan_inkommen\":null,", f);
        fprintf(f, "\"status\":\"%s\",", status_names[status]);
        if (has_inskriven)
            fprintf(f, "\"inskriven\":\"%s\",", iso(inskriven));
        else
            fputs("\"inskriven\":null,", f);
        /* The contract: all four parties once enrolled, some before. */
        unsigned signers = status == INSKRIVEN ? 4 : status == KO ? below(&r, 3) : 0;
        unsigned order[4] = {0, 1, 2, 3};
        for (unsigned p = 3; p > 0; p--) {
            unsigned q = below(&r, p + 1), t = order[p];
            order[p] = order[q];
            order[q] = t;
        }
        fputs("\"kontrakt_signerat_av\":[", f);
        for (unsigned p = 0; p < signers; p++)
            fprintf(f, "%s\"%s\"", p ? "," : "", parts[order[p]]);
        fprintf(f, "],\"malbeskrivning\":\"%s\",", v2021 ? "2021" : "2015");
        int has_plus = status == INSKRIVEN ? chance(&r, 30) : chance(&r, 5);
        if (has_plus) {
            int plus_start = days_from_civil(between(&r, 2025, 2027), 1 + 8 * (int)below(&r, 2), 1);
            int plus_slut = add_months(plus_start, between(&r, 12, 16)) - between(&r, 1, 20);
            fprintf(f, "\"plus\":{\"start\":\"%s\",\"slut\":\"%s\"},", iso(plus_start), iso(plus_slut));
        } else if (!chance(&r, 10)) {
            fputs("\"plus\":null,", f);
        }
        /* Some enrolled doctors are near the end: every side service and
         * every mandatory delmål (st_plan komplett, no kursval needs). */
        int finishing = status == INSKRIVEN && chance(&r, 15);
        int booked = status == INSKRIVEN && !finishing && chance(&r, 2);
        write_side_services(&r, f, status, finishing, booked, status == INSKRIVEN ? inskriven : anst_start);
        write_course_list(&r, f, status, finishing, v2021);
        if (status == INSKRIVEN) {
            fprintf(f, "\"sabo_manader\":%s,\"bvc_manader\":%s,", months[below(&r, COUNT(months))],
                    months[below(&r, COUNT(months))]);
            fprintf(f, "\"vetenskapligt_arbete\":\"%s\",\"kvalitetsarbete\":\"%s\"}\n",
                    finishing && chance(&r, 85) ? "klart" : work_states[weighted(&r, work_weights, 3)],
                    finishing && chance(&r, 85) ? "klart" : work_states[weighted(&r, work_weights, 3)]);
        } else {
            fputs("\"sabo_manader\":0,\"bvc_manader\":0,\"vetenskapligt_arbete\":\"ej_paborjat\","
                  "\"kvalitetsarbete\":\"ej_paborjat\"}\n",
                  f);
        }
    }
    close_out(f, "st_lakare.jsonl");
}

/* ---------------------------------------------------------------- omraden.csv */

static void write_areas(void)
{
    FILE *f = open_out(outdir, "omraden.csv");
    fputs("\xEF\xBB\xBF"
          "Delregionalt område;Finansierade ST-platser;Besatta ST-platser\r\n",
          f);
    /* Taken: the enrolled doctors of the sub-region. Free: a share of its
     * queue, so every queue has both outcomes; Södra Bohuslän has taken
     * more than it is funded for (no free position). */
    static const unsigned free_percent[] = {12, 0, 15, 6, 25};
    for (unsigned a = 0; a < COUNT(areas); a++) {
        size_t taken = enrolled_in_area[a];
        size_t funded = a == 1 ? (taken >= 2 ? taken - 2 : 0) : taken + ko_in_area[a] * free_percent[a] / 100;
        fprintf(f, "%s;%zu;%zu\r\n", areas[a], funded, taken);
    }
    close_out(f, "omraden.csv");
}

/* ---------------------------------------------------------------- kursansokningar.jsonl */

static void write_applications(void)
{
    Rng r = stream(seed, 5);
    FILE *f = open_out(outdir, "kursansokningar.jsonl");
    for (size_t i = 0; i < n_applications; i++) {
        /* Mostly an enrolled doctor; a few who are not, and a few nobody. */
        unsigned who = below(&r, 1000);
        uint64_t st;
        if (who < 15 || n_doctors == 0)
            st = N_NOBODY + n_doctors + i;
        else if (who < 150 || n_enrolled == 0)
            st = N_DOCTOR + below(&r, (unsigned)n_doctors);
        else
            st = N_DOCTOR + enrolled[below(&r, (unsigned)n_enrolled)];
        int missing_course = per_mille(&r, 15) || n_courses == 0;
        const Course *k = missing_course ? 0 : &courses[below(&r, (unsigned)n_courses)];
        char missing_id[24];
        if (missing_course)
            snprintf(missing_id, sizeof missing_id, "SK-2031-%03u", below(&r, 1000));
        int inkommen = k ? k->start - between(&r, 7, 200) : uniform_day(&r, D2024, TODAY);
        int vinst = k && k->vinst;
        fprintf(f,
                "{\"ansokan_id\":\"A-%d-%06zu\",\"st\":\"%s\",\"kurs_id\":\"%s\",\"inkommen\":\"%s\","
                "\"handledare_godkant\":%s,\"chef_godkant\":%s,\"kan_vanta_till_efter_plus\":%s,"
                "\"undantag_motiverat\":%s}\n",
                year_of(inkommen), i + 1, person_id(st), k ? k->id : missing_id, iso(inkommen), tf(chance(&r, 96)),
                tf(chance(&r, 96)), tf(chance(&r, 10)), tf(vinst ? chance(&r, 60) : chance(&r, 3)));
    }
    close_out(f, "kursansokningar.jsonl");
}

/* ---------------------------------------------------------------- kalender.jsonl */

static void write_calendar(void)
{
    Rng r = stream(seed, 6);
    FILE *f = open_out(outdir, "kalender.jsonl");
    static const char *const types[] = {"st_dag", "reflektionsgrupp", "plus"};
    static const unsigned type_weights[] = {35, 45, 20};
    for (size_t e = 0; e < n_events; e++) {
        unsigned typ = weighted(&r, type_weights, 3);
        int start = workday(uniform_day(&r, D2024, D2029_END - 3));
        int slut = start + (typ == 2 ? (chance(&r, 40) ? 1 : 0) : (chance(&r, 8) ? 1 : 0));
        fprintf(f, "{\"typ\":\"%s\",\"omrade\":\"%s\",\"start\":\"%s\",\"slut\":\"%s\"}\n", types[typ],
                untidy(&r, areas[e % COUNT(areas)]), iso(start), iso(slut));
    }
    close_out(f, "kalender.jsonl");
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
    fputs("usage: gen_exports [--count FILE=N]... OUTDIR [SCALE [SEED]]\n"
          "  FILE: vardcentraler personal st_lakare kurstillfallen kursansokningar kalender\n",
          stderr);
    exit(2);
}

static size_t scaled(double base, double scale)
{
    double x = base * scale + 0.5;
    return x < 1 ? 1 : (size_t)x;
}

int main(int argc, char **argv)
{
    const char *names[] = {"vardcentraler", "personal", "st_lakare", "kurstillfallen", "kursansokningar", "kalender"};
    long long override[6] = {-1, -1, -1, -1, -1, -1};
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--count") != 0 || i + 1 >= argc)
            usage();
        const char *arg = argv[++i], *eq = strchr(arg, '=');
        if (!eq)
            usage();
        unsigned which = 0;
        while (which < COUNT(names) && (strlen(names[which]) != (size_t)(eq - arg) ||
                                        strncmp(names[which], arg, (size_t)(eq - arg)) != 0))
            which++;
        char *end;
        long long n = strtoll(eq + 1, &end, 10);
        if (which == COUNT(names) || *end || n < 1 || n > 100000000)
            usage();
        override[which] = n;
    }
    if (i >= argc || argc - i > 3)
        usage();
    outdir = argv[i];
    char *end;
    double scale = argc - i > 1 ? strtod(argv[i + 1], &end) : 1.0;
    if (argc - i > 1 && (*end || !(scale > 0) || scale > 1000))
        usage();
    seed = argc - i > 2 ? strtoull(argv[i + 2], NULL, 10) : 1ULL;

    size_t *counts[] = {&n_centres, &n_staff, &n_doctors, &n_courses, &n_applications, &n_events};
    const double bases[] = {10000, 100000, 50000, 20000, 200000, 3000};
    for (unsigned c = 0; c < COUNT(counts); c++)
        *counts[c] = override[c] > 0 ? (size_t)override[c] : c == 5 ? (size_t)bases[c] : scaled(bases[c], scale);

    D2021 = days_from_civil(2021, 1, 1);
    D2024 = days_from_civil(2024, 1, 1);
    D2026 = days_from_civil(2026, 1, 1);
    D2029_END = days_from_civil(2029, 12, 31);
    /* The benchmark's --today. */
    TODAY = days_from_civil(2026, 11, 22);
    (void)D2026;

    write_centres();
    write_staff();
    write_courses();
    write_doctors();
    write_areas();
    write_applications();
    write_calendar();
    return 0;
}
