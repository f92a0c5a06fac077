# -o with an invalid record that stops the run (exit 4): no result file and
# no temporary file; an older result under the name is left as it was.
regel=$1 bad=$2
cp "$bad/csv/policy.regel" . && mkdir data && cp "$bad/csv/on_error_fail.csv" data/export.csv
"$regel" run policy.regel --data data --today 2026-11-22 --on-error fail -o out.jsonl
echo "exit $?"
ls
echo "an older result" > old.jsonl
"$regel" run policy.regel --data data --today 2026-11-22 --on-error fail -o old.jsonl 2> /dev/null
echo "exit $?"
ls
cat old.jsonl
