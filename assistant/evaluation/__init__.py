"""Evaluation on MultiHop-RAG: dataset and splits, the paper's scoring, and the `assistant eval` runner."""
