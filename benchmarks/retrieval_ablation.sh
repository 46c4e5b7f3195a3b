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
E="assistant eval --dataset $DATA --split $SPLIT --json"
NO_QU="--retrieval use_outlets=false --retrieval use_dates=false --retrieval use_subqueries=false"
if [ "$SPLIT" = dev ]; then
  # Fixed 128-token chunks (title prefix embedded), each unit one chunk, no per-article cap: the classic baselines.
  CH="--chunking pack=true --chunking max_tokens=128 --retrieval unit_tokens=128 --retrieval max_units_per_article=10"
  $E $CH $NO_QU --retrieval use_bm25=false > $OUT/${SPLIT}_c1_chunks_vector_only.json
  $E $CH $NO_QU --retrieval use_dense=false > $OUT/${SPLIT}_c2_chunks_bm25_only.json
  $E $CH $NO_QU > $OUT/${SPLIT}_c3_chunks_hybrid.json
  # Sentence windows of at most 254 tokens, at most 4 non-overlapping per article.
  $E $NO_QU --retrieval use_bm25=false > $OUT/${SPLIT}_w1_windows_vector_only.json
  $E $NO_QU > $OUT/${SPLIT}_w2_windows_hybrid.json
  $E --retrieval use_dates=false --retrieval use_subqueries=false > $OUT/${SPLIT}_w3_plus_outlets.json
  $E --retrieval use_subqueries=false > $OUT/${SPLIT}_w4_plus_dates.json
  $E --retrieval dense_subqueries=false > $OUT/${SPLIT}_w5_plus_subqueries_bm25_only.json
  $E --retrieval max_units_per_article=1 > $OUT/${SPLIT}_x_one_window_per_article.json
fi
$E > $OUT/${SPLIT}_final.json
