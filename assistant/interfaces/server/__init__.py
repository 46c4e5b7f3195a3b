"""The server: one FastAPI app holding the HTTP API (/api, /v1, /health) and the Gradio web UI (/)."""
