# A run of 300 000 records with -o, stopped by SIGTERM and by SIGKILL while
# it works: the result file is either absent or whole (one line per key),
# never cut short.
regel=$1 bad=$2
cp "$bad/csv/policy.regel" . && mkdir data
{
    echo 'HSA-id,Namn,Listade,Tjänstgöringsgrad,Kvalitet,Start,Status,Platser'
    seq 300000 | sed 's/.*/VC&,Vårdcentralen,2000,1.0,ja,2024-03-01,aktiv,/'
} > data/export.csv
for sig in TERM KILL; do
    "$regel" run policy.regel --data data --today 2026-11-22 -o out.jsonl 2> /dev/null &
    pid=$!
    sleep 0.3
    kill -s $sig $pid 2> /dev/null
    wait $pid 2> /dev/null
    if [ ! -e out.jsonl ] || [ "$(wc -l < out.jsonl)" = 300000 ]; then
        echo "$sig: no half result"
    else
        echo "$sig: half a result of $(wc -l < out.jsonl) lines"
    fi
    rm -f out.jsonl out.jsonl.tmp*
done
