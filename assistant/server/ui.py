"""The Gradio web UI (placeholder until the chat window issue)."""

from __future__ import annotations

import gradio as gr

from ..api import Assistant
from ..settings import Settings


def build_ui(assistant: Assistant, settings: Settings) -> gr.Blocks:
    def chat(message: str, history: list) -> str:
        return assistant.ask(message, history=history).text

    with gr.Blocks(title="News assistant") as blocks:
        gr.ChatInterface(chat, api_name="chat")
    return blocks
