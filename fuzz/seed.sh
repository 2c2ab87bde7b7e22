#!/usr/bin/env bash
# Seeds the fuzz corpora from the project's own inputs and, when present, the real logs in
# ../shared/real-logs (read from there, never copied into the repository):
#   fuzz/seed.sh && cargo +nightly fuzz run reader -- -max_total_time=600
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/reader corpus/lists corpus/query corpus/directory corpus/exports corpus/store_keys corpus/store_manifest
n=0
for f in ../sample-logs/*/*.LOG ../../shared/real-logs/*; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  # The first byte picks the chunk size; the rest is the file (first 64 KB).
  { printf '\x07'; head -c 65536 "$f"; } > "corpus/reader/seed-$n"
  grep -v '^#' "$f" | head -c 4096 | tr ',' '\n' | head -200 | split -l 1 - "corpus/lists/seed-$n-" 2>/dev/null || true
done
i=0
for q in ../queries/*.ps1; do
  i=$((i + 1))
  grep -v '^#' "$q" > "corpus/query/seed-$i"
done
if [ -f ../tests/fixtures/pwsh-corpus/corpus.tsv ]; then
  cut -f2 ../tests/fixtures/pwsh-corpus/corpus.tsv | split -l 1 - corpus/query/corpus-
fi
cp ../sample-logs/directory.json corpus/directory/seed-1
for e in ../sample-exports/*.csv; do
  cp "$e" "corpus/exports/$(basename "$e")"
done
# Key files of a store of the sample day (when a msgtrack binary is built).
msgtrack=../target/release/msgtrack
[ -x "$msgtrack" ] || msgtrack=../target/debug/msgtrack
if [ -x "$msgtrack" ]; then
  store=$(mktemp -d)
  "$msgtrack" index ../sample-logs --store "$store/s" > /dev/null
  k=0
  for f in $(find "$store/s" -name '.*.keys' | head -40); do
    k=$((k + 1))
    cp "$f" "corpus/store_keys/seed-$k"
  done
  cp "$store/s/msgtrack-store.json" corpus/store_manifest/seed-manifest
  # Offsets, counts, lines and times of the template's parts (8 bytes each).
  head -c 256 /dev/urandom > corpus/store_manifest/seed-random
  rm -rf "$store"
fi
echo "seeded: $(ls corpus/reader | wc -l) reader, $(ls corpus/lists | wc -l) lists, $(ls corpus/query | wc -l) query, $(ls corpus/directory | wc -l) directory, $(ls corpus/exports | wc -l) exports, $(ls corpus/store_keys | wc -l) store_keys"
