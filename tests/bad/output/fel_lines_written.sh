# -o with decisions that fail for some keys (exit 5): the result is still
# written, one line per key with fel for the failed ones, and no temporary
# file is left beside it.
regel=$1 bad=$2
cp "$bad/eval/int_mul_overflow.regel" . && cp -r "$bad/eval/data" .
"$regel" run int_mul_overflow.regel --data data --today 2026-11-22 -o out.jsonl
echo "exit $?"
echo "lines: $(wc -l < out.jsonl), fel: $(grep -c '"outcome":"fel"' out.jsonl)"
ls
