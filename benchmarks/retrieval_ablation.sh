#!/usr/bin/env bash
# Retrieval ablation on MultiHop-RAG with the product's own `assistant eval` (one JSON per row in
# benchmarks/results/), then the final recipe once on heldout. Usage: bash benchmarks/retrieval_ablation.sh [dev|heldout]
# Rows are rendered into benchmarks/RESULTS.md by benchmarks/render_ablation.py.
set -euo pipefail
cd "$(dirname "$0")/.."
SPLIT=${1:-dev}
OUT=benchmarks/results
mkdir -p "$OUT"
DATA=../shared/eval/multihop-rag
E="${ASSISTANT:-.venv/bin/assistant} eval --dataset $DATA --split $SPLIT --json"
# row NAME ARGS...: one eval, skipped when its JSON is already there (delete it to measure again).
row() {
  local name=$1; shift
  [ -s "$OUT/${SPLIT}_$name.json" ] && return 0
  $E "$@" > "$OUT/${SPLIT}_$name.json.tmp" && mv "$OUT/${SPLIT}_$name.json.tmp" "$OUT/${SPLIT}_$name.json"
}
NO_QU="--retrieval use_outlets=false --retrieval use_dates=false --retrieval use_subqueries=false"
if [ "$SPLIT" = dev ]; then
  # Fixed 128-token chunks (title prefix embedded), each unit one chunk, no per-article cap: the classic baselines.
  CH="--chunking pack=true --chunking max_tokens=128 --retrieval unit_tokens=128 --retrieval max_units_per_article=10"
  row c1_chunks_vector_only $CH $NO_QU --retrieval use_bm25=false
  row c2_chunks_bm25_only $CH $NO_QU --retrieval use_dense=false
  row c3_chunks_hybrid $CH $NO_QU
  # Sentence windows of at most 254 tokens, at most 4 non-overlapping per article.
  row w1_windows_vector_only $NO_QU --retrieval use_bm25=false
  row w2_windows_hybrid $NO_QU
  row w3_plus_outlets --retrieval use_dates=false --retrieval use_subqueries=false
  row w4_plus_dates --retrieval use_subqueries=false
  row w5_plus_subqueries_bm25_only --retrieval dense_subqueries=false
  row x_one_window_per_article --retrieval max_units_per_article=1
fi
row final
