# The summary line counts records read, decided, failed and invalid: here
# over a damaged export (skipped records), a policy failing for some keys,
# and both in one run.
regel=$1 bad=$2
cp "$bad/jsonl/policy.regel" . && mkdir data && cp "$bad/jsonl/duplicate_field.jsonl" data/export.jsonl
"$regel" run policy.regel --data data --today 2026-11-22 > /dev/null
echo "exit $?"
sed 's/must K1 count(st.kurser) >= 1/must K1 100 \/ count(st.kurser) >= 1/' policy.regel > failing.regel
"$regel" run failing.regel --data data --today 2026-11-22 > out.jsonl
echo "exit $?"
echo "lines: $(wc -l < out.jsonl), fel: $(grep -c '"outcome":"fel"' out.jsonl)"
