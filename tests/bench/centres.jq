# The decision of tests/bench/centres.regel in jq, for the benchmark.
# Run as: jq -c -f tests/bench/centres.jq centres.jsonl
# jq -c keeps the keys in construction order and writes UTF-8 as is.

# "6230" -> "6 230": groups of three digits separated by a space.
def group3:
  if length > 3 then (.[:-3] | group3) + " " + .[-3:] else . end;

# A number the Swedish way: 6230 -> "6 230", 112.5 -> "112,5".
def sv:
  tostring
  | (if startswith("-") then "-" else "" end) as $sign
  | ltrimstr("-")
  | split(".")
  | $sign + (.[0] | group3) + (if length > 1 then "," + .[1] else "" end);

def must($ref; $message): {ref: $ref, severity: "must", message: $message};
def should($ref; $message): {ref: $ref, severity: "should", message: $message};

1500 as $listade_per_st_lakare
| [.specialister[] | select(.specialitet == "allmänmedicin" and .samma_vc)] as $s
| ($s | length) as $n
| ([$s[].tjanstgoringsgrad] | add // 0) as $grad
| (.st_antal + 1) as $st_lakare
| ($listade_per_st_lakare * $st_lakare) as $krav
| [
    (if .kvalitetskriterier then empty
     else must("A1"; "kvalitetskriterierna är inte uppfyllda") end),
    (if .utbildningsplatser then empty
     else must("A2"; "utbildningsplatser för alla professioner saknas") end),
    (if $n >= 2 and $grad >= 100 then empty
     else must("A3"; "\($n | sv) specialister i allmänmedicin med sammanlagt \($grad | sv) %; krav minst 2 och 100 %") end),
    (if .godkand_utbildning and .utbildar_lakarstudenter and .utbildar_at then empty
     else must("A4"; "ska vara godkänd utbildningsvårdcentral och utbilda läkarstudenter och AT-läkare") end),
    (if .listade >= $krav then empty
     else must("B1"; "\(.listade | sv) listade räcker inte för \($st_lakare | sv) ST-läkare (krav \($krav | sv))") end),
    (if $n >= $st_lakare then empty
     else should("B3"; "\($n | sv) specialister i allmänmedicin men \($st_lakare | sv) ST-läkare") end)
  ] as $reasons
| {
    decision: "utbildning",
    id: .hsa_id,
    outcome: (if any($reasons[]; .severity == "must") then "nej" else "ja" end),
    reasons: $reasons
  }
