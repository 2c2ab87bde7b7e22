#!/usr/bin/env bash
# Runs every msgtrack command on sample-logs/ (and the real logs when present) and writes
# each one's stdout, stderr and exit code under OUT_DIR, so that a refactoring can be checked
# to change no output:
#   scripts/same-output.sh /tmp/before     # on the old tree
#   scripts/same-output.sh /tmp/after      # on the new tree
#   diff -r /tmp/before /tmp/after
# Timings are blanked ("in 0.03 s"); HTML reports and anonymized runs use fixed keys.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/same-output.sh OUT_DIR}
mkdir -p "$out"
cargo build --locked -q 2>/dev/null || cargo build --locked
bin=target/debug/msgtrack
s=sample-logs
d=sample-logs/directory.json
real=../shared/real-logs
export MSGTRACK_ANONYMIZE_KEY=same-output
n=0
run() {
  n=$((n + 1))
  local name
  name=$(printf '%03d' "$n")
  printf '%s\n' "$*" >"$out/$name.cmd"
  "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.code"
  sed -i -E 's/"seconds": [0-9.e-]+/"seconds": X/; s/in [0-9.]+ s\)/in X s)/; s/[0-9.]+ (MB|GB|KB)\/s/X MB\/s/g' "$out/$name.out" "$out/$name.err"
}
run ingest $s
run ingest $s --stats
run ingest $s --json
run ingest $s/EX01 -v
for q in queries/*.ps1; do
  run query -f "$q" $s --tz UTC --now 2026-11-21T00:00Z --format csv
  run query -f "$q" $s --tz Europe/Berlin --now 2026-11-21T00:00Z --format table
done
for f in table list csv json ndjson; do
  run query 'Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited' $s --tz UTC --format $f
done
run query 'Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId' $s --tz UTC --format table
run query 'Get-MessageTrackingLog -ResultSize Unlimited | Group-Object Sender -NoElement | Sort-Object Count -Descending | Select-Object -First 5 Name,Count' $s --tz UTC --format json
run query 'Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object' $s --tz UTC
run query 'Get-MessageTrackingLog -ResultSize Unlimited -EventId DELIVER | Select-Object -ExpandProperty Recipients' $s --tz UTC
run query 'Get-MessageTrackingLog -ResultSize 20 | Sort-Object TotalBytes -Descending | Select-Object Timestamp,TotalBytes,Sender' $s --tz UTC --format table
run query 'Get-MessageTrackingLog -ResultSize Unlimited | Where {$_.TotalBytes -gt 100000 -and $_.EventId -eq "RECEIVE"} | Format-List Timestamp,Sender,TotalBytes' $s --tz UTC
run query 'Get-MessageTrackingLog -Recipients lee.gu@contoso.com -ResultSize Unlimited' $s --tz UTC --directory $d --format csv
run query 'Get-MessageTrackingLog -Start "11/20/2026 9:00 AM" -End 2026-11-20T10:00 -ResultSize Unlimited | ConvertTo-Json' $s --tz America/New_York
run query 'Get-MessageTrackingLog -Sendr x' $s
run query 'Get-MessageTrackingLog -EventId FAIL' $s --print-cmdlet --tz UTC
run query --sql 'SELECT EventId, count(*) AS n FROM logs GROUP BY EventId ORDER BY n DESC, EventId' $s
run queries
run trail $s --subject 'comments by Monday' --sender alex.wilber@contoso.com --tz UTC
run trail $s --subject 'comments by Monday' --sender alex.wilber@contoso.com --tz UTC --format json
run trail $s --subject 'Phoenix kickoff' --tz Europe/Berlin
run trail $s --subject 'RE:' --tz UTC
for id in 7624c5ba34d26828b761858369475747@litware.example bd1b077ded9dc54a63bd3287ef5b24c9@contoso.com \
  dd1b1054095666acc5a37a4d3db95791@contoso.com 23a906f98be3cea88d1e5656986e28c1@contoso.com \
  c26d89aa49bd7322d63619004ddbec84@contoso.com; do
  run explain $s --message-id "$id" --directory $d --tz UTC
  run explain $s --message-id "$id" --directory $d --tz UTC --format json
  run explain $s --message-id "$id" --tz UTC
done
run explain $s --subject 'comments by Monday' --tz UTC
for f in text md csv json html; do
  run report imcea $s --directory $d --tz UTC --format $f
done
run report imcea $s --tz UTC
run report imcea $s --directory $d --tz UTC --anonymize --format json
for f in text md json html; do
  run report summary $s --exclude-noise --tz UTC --format $f
done
run report summary $s --tz Europe/Berlin --count per-recipient --show-queries
run report summary $s --tz UTC --anonymize --format json --since 2026-11-20T08:00 --until 2026-11-20T12:00
if [ -d "$real" ]; then
  run ingest $real --stats
  run query 'Get-MessageTrackingLog -ResultSize Unlimited' $real --tz UTC --format json
  run report summary $real --tz UTC --format json
fi
echo "$n commands written to $out"
