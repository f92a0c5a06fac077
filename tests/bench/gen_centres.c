/* gen_centres: writes synthetic centre records for the benchmark, one JSON
 * object per line, to standard output.
 *
 *   gen_centres [N [SEED]]     N records (default 1000000), SEED (default 1)
 *
 * The output depends only on N and SEED: the generator uses its own
 * splitmix64 PRNG and no locale, so every machine writes the same bytes.
 * The values are chosen so that every rule of tests/bench/centres.regel
 * fails on some records and both outcomes occur. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A number in [0, n). The modulo bias is irrelevant here. */
static unsigned below(unsigned n)
{
    return (unsigned)(next_u64() % n);
}

/* True with probability percent / 100. */
static int chance(unsigned percent)
{
    return below(100) < percent;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const prefixes[] = {
    "Vårdcentralen", "Hälsocentralen", "Närhälsan", "Din Vårdcentral i",
    "Läkarhuset",
};
static const char *const places[] = {
    "Åmål",       "Öckerö",   "Mölndal", "Härryda", "Borås",     "Skövde",
    "Trollhättan", "Lidköping", "Älvängen", "Kungälv", "Mariestad", "Uddevalla",
    "Lysekil",    "Strömstad", "Töreboda", "Ale",     "Alingsås",  "Vänersborg",
    "Falköping",  "Hönö",
};
static const char *const suffixes[] = {
    "", "", "", " Norra", " Södra", " Östra", " Västra", " Centrum",
};
static const char *const areas[] = {
    "Göteborg", "Södra Bohuslän", "Fyrbodal", "Södra Älvsborg", "Skaraborg",
};
/* All exact in binary floating point, so the peers' sums are exact. */
static const char *const grades[] = {
    "20", "25", "37.5", "40", "50", "60", "62.5", "75", "80", "100",
};

static const char *boolean(unsigned percent_true)
{
    return chance(percent_true) ? "true" : "false";
}

int main(int argc, char **argv)
{
    unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000ULL;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 1ULL;

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    for (unsigned long long i = 1; i <= n; i++) {
        printf("{\"hsa_id\":\"SE2321000131-E%012llu\","
               "\"namn\":\"%s %s%s\",\"omrade\":\"%s\","
               "\"listade\":%u,\"st_antal\":%u,",
               i, prefixes[below(COUNT(prefixes))], places[below(COUNT(places))],
               suffixes[below(COUNT(suffixes))], areas[below(COUNT(areas))],
               1000 + below(19001), below(5));
        /* One call per boolean keeps the order of the draws fixed. */
        printf("\"kvalitetskriterier\":%s,", boolean(85));
        printf("\"godkand_utbildning\":%s,", boolean(85));
        printf("\"utbildar_lakarstudenter\":%s,", boolean(85));
        printf("\"utbildar_at\":%s,", boolean(85));
        printf("\"utbildningsplatser\":%s,", boolean(85));
        fputs("\"specialister\":[", stdout);
        unsigned count = below(6);
        for (unsigned k = 1; k <= count; k++) {
            if (k > 1)
                putchar(',');
            printf("{\"id\":\"p%u\",\"specialitet\":\"%s\",", k,
                   chance(85) ? "allmänmedicin" : "internmedicin");
            printf("\"tjanstgoringsgrad\":%s,", grades[below(COUNT(grades))]);
            printf("\"samma_vc\":%s}", boolean(85));
        }
        fputs("]}\n", stdout);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen_centres");
        return 1;
    }
    return 0;
}
