"""The ``assistant`` command: a thin layer over the facade (assistant.assistant.Assistant)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..settings import BACKENDS, Settings

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Grounded, cited answers from news articles, offline. Settings come from ASSISTANT_* variables or .env.",
)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

IndexDir = Annotated[Optional[Path], typer.Option("--index-dir", help="Index folder (default: ASSISTANT_INDEX_DIR or ./index).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
BackendOpt = Annotated[Optional[str], typer.Option("--backend", help=f"One of: {', '.join(BACKENDS)}.")]


class UserError(Exception):
    """An error in how the command was called: printed as one line, no traceback."""


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Errors printed as one line with exit status 2: the core's (AssistantError), bad settings, files."""
    from pydantic import ValidationError

    from ..errors import AssistantError

    return (UserError, AssistantError, ValidationError, OSError)


def _settings(index_dir: Path | None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if index_dir is not None:
        values["index_dir"] = index_dir
    return Settings(**values)


def _operator_settings(index_dir: Path | None, backend: str | None) -> Settings:
    """Settings in which the backend the operator picked on the command line is the configured one (the server's
    list of backends a request may pick does not apply to whoever runs the command)."""
    return _settings(index_dir, backend=backend if backend in BACKENDS else None)


@contextmanager
def _assistant(settings: Settings, seed: bool = True) -> Iterator[Any]:
    from ..assistant import Assistant

    assistant = Assistant(settings, lock_holder="assistant CLI")
    try:
        if seed and assistant.seed_if_empty():
            err.print("[yellow]The index was empty: it now holds the bundled sample article (Reuters, Chicago police "
                      "executive order), so you can ask questions at once. Add yours with `assistant index PATH`.[/]")
        yield assistant
    finally:
        assistant.close()


def _run(fn: Callable[[], int | None]) -> None:
    """Run a command body; expected errors become one clear line on stderr and exit status 2."""
    try:
        code = fn()
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None
    except _expected_errors() as exc:
        err.print(f"[red]error:[/] {escape(_describe(exc))}")
        raise typer.Exit(2) from None
    raise typer.Exit(code or 0)


def _describe(exc: BaseException) -> str:
    """One readable line per problem; settings errors name the ASSISTANT_* variable."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return "; ".join(
            f"setting {'.'.join(map(str, e['loc'])) or '?'} (ASSISTANT_{str(e['loc'][0]).upper() if e['loc'] else ''})"
            f" = {e.get('input')!r}: {e['msg']}"
            for e in exc.errors()
        )
    return str(exc)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=max(total, 1))
            bar.update(tasks[phase], completed=done, total=max(total, 1))

        yield update


@app.command()
def index(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Files, folders, or URLs of RSS/Atom feeds, (news) "
                     "sitemaps and article pages. None: re-index the files indexed before and poll the followed "
                     "sources.")] = None,
    as_json: JsonFlag = False,
    index_dir: IndexDir = None,
    server: Annotated[Optional[str], typer.Option("--server", help="URL of a running `assistant serve`: send the files "
                      "to it to index (it owns its index). ASSISTANT_API_KEY is sent as its bearer token.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the stored chunks and embed every source again "
                       "(after changing the embedding model); uploads are lost, files are read again.")] = False,
) -> None:
    """Index articles (.txt .md .html .json .jsonl, folders of them, feeds, sitemaps, web pages), incrementally."""

    def body() -> int:
        settings = _settings(index_dir)
        inputs: list[Any] = [p if _is_url(p) else Path(p) for p in (paths or [])]
        with _progress(err.is_terminal or not as_json) as progress:
            if server:
                if rebuild:
                    raise UserError("--rebuild works on a local index, not through --server")
                if any(_is_url(p) for p in inputs):
                    raise UserError("--server sends files; to index feeds or pages there, follow them in the server's "
                                    "web page (Articles tab), or run `assistant index URL` when it is stopped")
                data = _send_to_server(server, inputs, settings, progress)
            else:
                _check_not_busy(settings)
                sources: list[Path] = []
                if rebuild:
                    from ..assistant import reset_index

                    sources = reset_index(settings)
                    err.print(f"dropped the stored chunks; indexing {len(sources)} sources again")
                with _assistant(settings, seed=False) as assistant:
                    data = assistant.index(inputs + sources or None, progress).model_dump()
        if as_json:
            out.print_json(json.dumps(data))
        else:
            _print_report(data, server)
        return 1 if data["failed"] else 0

    _run(body)


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


def _print_report(data: dict, server: str | None = None) -> None:
    out.print(
        f"added {data['added']}, updated {data['updated']}, unchanged {data['unchanged']}, removed "
        f"{data['removed']}, duplicates {data['duplicates']}, near-duplicates {data.get('near_duplicates', 0)}; "
        f"embedded {data['chunks_embedded']} chunks"
        + (f" ({data['embeddings_reused']} from the embedding cache)" if data.get("embeddings_reused") else "")
        + f", deleted {data['chunks_deleted']}; {data['seconds']:.1f} s"
        + (f" (by the server at {server})" if server else "")
    )
    for source in data.get("sources", []):
        out.print(f"  {escape(source['url'])} ({source['kind'] or 'not read'}): {source['listed']} listed, "
                  f"{source['added']} new, {source['updated']} updated, {source['unchanged']} unchanged "
                  f"({source['not_modified']} answered 304), {source['near_duplicates']} near-duplicates, "
                  f"{len(source['failed'])} failed")
    for failure in data["failed"]:
        err.print(f"[red]failed:[/] {escape(failure['path'])}: {escape(failure['error'])}")
    for warning in data.get("warnings", []):
        err.print(f"[yellow]warning:[/] {escape(warning['path'])}: {escape(warning['warning'])}")


sources_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                          help="The followed feeds and sites: `assistant index` with no path and `assistant serve "
                               "--poll` poll them.")
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add(
    urls: Annotated[list[str], typer.Argument(help="URLs of RSS/Atom feeds, (news) sitemaps or article pages.")],
    as_json: JsonFlag = False,
    index_dir: IndexDir = None,
) -> None:
    """Follow feeds or sites (nothing is fetched until `assistant index` or the server polls them)."""

    def body() -> int:
        with _assistant(_settings(index_dir), seed=False) as assistant:
            added = [assistant.follow_source(url).model_dump() for url in urls]
        if as_json:
            out.print_json(json.dumps(added))
        else:
            for source in added:
                out.print(f"following {escape(source['url'])}")
            err.print("run `assistant index` to poll the followed sources now")
        return 0

    _run(body)


@sources_app.command("list")
def sources_list(as_json: JsonFlag = False, index_dir: IndexDir = None) -> None:
    """List the followed feeds and sites with their last poll, new articles and errors."""

    def body() -> int:
        with _assistant(_settings(index_dir), seed=False) as assistant:
            found = [s.model_dump() for s in assistant.followed_sources()]
        if as_json:
            out.print_json(json.dumps(found))
            return 0
        if not found:
            out.print("no followed sources (add one with `assistant sources add URL`)")
        for source in found:
            polled = (f"last poll {source['last_poll']}: {source['last_new']} new, {len(source['last_errors'])} "
                      "errors") if source["last_poll"] else "not polled yet"
            out.print(f"{escape(source['url'])}  {source['articles']} articles; {polled}")
            for error in source["last_errors"]:
                out.print(f"    [red]error:[/] {escape(error)}")
        return 0

    _run(body)


@sources_app.command("remove")
def sources_remove(
    urls: Annotated[list[str], typer.Argument(help="Followed URLs to stop following.")],
    delete_articles: Annotated[bool, typer.Option("--delete-articles", help="Also remove the articles they brought "
                               "in (by default they stay indexed).")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Stop following feeds or sites."""

    def body() -> int:
        settings = _settings(index_dir)
        if delete_articles:
            _check_not_busy(settings)
        with _assistant(settings, seed=False) as assistant:
            for url in urls:
                report = assistant.unfollow_source(url, delete_articles=delete_articles)
                more = f"; {report.removed} articles removed" if delete_articles else ""
                out.print(f"no longer following {escape(url.strip())}{more}")
        return 0

    _run(body)


def _check_not_busy(settings: Settings) -> None:
    """Refuse at once (IndexBusy naming the holder, e.g. a server and its URL) before the store is opened."""
    from ..assistant import check_writable

    check_writable(settings)


def _send_to_server(url: str, paths: list[Any] | None, settings: Settings, progress: Any) -> dict:
    from .remote import RemoteIndexError, send

    if not url.startswith(("http://", "https://")):
        raise UserError(f"--server {url!r}: give the server's URL, e.g. http://127.0.0.1:7860")
    if not paths:
        raise UserError("--server: give the files or folders to send (the server re-indexes its own sources only "
                        "when run as `assistant index` after it stops)")
    key = settings.api_key.get_secret_value() if settings.api_key else None
    try:
        return send(url, list(paths), key, progress).model_dump()
    except RemoteIndexError as exc:
        raise UserError(str(exc)) from None


def _filters(sources: list[str] | None, after: str | None, before: str | None) -> Any:
    from ..assistant import make_filters

    return make_filters(sources, after, before)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: JsonFlag = False,
    backend: BackendOpt = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only this outlet (repeatable).")] = None,
    after: Annotated[Optional[str], typer.Option(help="Only articles published on or after this date.")] = None,
    before: Annotated[Optional[str], typer.Option(help="Only articles published before this date.")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Answer one question from the indexed articles, with citations."""

    def body() -> int:
        settings = _operator_settings(index_dir, backend)
        filters = _filters(source, after, before)
        with _assistant(settings) as assistant:
            answer = assistant.ask(question, filters=filters, backend=backend)
        if as_json:
            out.print_json(json.dumps(answer.as_json()))
        else:
            _print_answer(answer)
        return 0

    _run(body)


def _print_answer(answer: Any) -> None:
    out.print(escape(answer.text))
    if answer.trimmed and not answer.refused:
        err.print("[dim](some sentences of the model's draft were removed: the articles did not support them)[/]")
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source, c.author, c.published_iso[:10]) if x)
        out.print(f"[bold][{c.n}][/] {escape(c.title)} ({escape(meta)}){' ' + escape(c.url) if c.url else ''}")
        if c.also_published_by:
            out.print(f"    also published by {escape(', '.join(c.also_published_by))}")
        out.print(f"    [dim]{escape(c.text)}[/]")


@app.command()
def stats(as_json: JsonFlag = False, index_dir: IndexDir = None) -> None:
    """Show what the index holds and the models in use."""

    def body() -> int:
        with _assistant(_settings(index_dir)) as assistant:
            data = assistant.stats().model_dump()
        if as_json:
            out.print_json(json.dumps(data))
        else:
            for key, value in data.items():
                out.print(f"{key:>20}: {value}")
        return 0

    _run(body)


@app.command()
def chat(backend: BackendOpt = None, index_dir: IndexDir = None) -> None:
    """Chat in the terminal; follow-up questions use the conversation. Type /quit to leave."""

    def body() -> int:
        settings = _operator_settings(index_dir, backend)
        with _assistant(settings) as assistant:
            stats = assistant.stats()
            err.print(f"{stats.articles} articles indexed; answering with {assistant.describe_backend()}.")
            err.print("Ask a question (/quit to leave, /new for a new conversation).")
            history: list[dict[str, str]] = []
            while True:
                try:
                    question = out.input("[bold green]you>[/] ").strip()
                except EOFError:
                    return 0
                if question in ("/quit", "/exit", "quit", "exit"):
                    return 0
                if question == "/new":
                    history.clear()
                    continue
                if not question:
                    continue
                try:
                    answer = _stream_answer(assistant, question, history, backend)
                except _expected_errors() as exc:
                    err.print(f"[red]error:[/] {escape(str(exc))}")
                    continue
                history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]

    _run(body)


def _stream_answer(assistant: Any, question: str, history: list[dict[str, str]], backend: str | None) -> Any:
    answer, streamed = None, ""
    for event in assistant.stream(question, history=history, backend=backend):
        if event.kind == "rewrite":
            err.print(f"[dim](searching for: {escape(event.data)})[/]")
        elif event.kind == "progress":
            err.print(f"[dim]({escape(event.data)})[/]")
        elif event.kind == "token":
            streamed += event.data
            out.print(escape(event.data), end="")
        elif event.kind == "answer":
            answer = event.data
    if streamed:
        out.print()
    if answer.text.strip() != streamed.strip():
        if streamed:
            err.print("[yellow]checked answer:[/]")
        out.print(escape(answer.text))
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source, c.published_iso[:10]) if x)
        also = f"; also published by {', '.join(c.also_published_by)}" if c.also_published_by else ""
        out.print(f"  [bold][{c.n}][/] {escape(c.title)} ({escape(meta + also)})")
    return answer


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default 127.0.0.1: this machine only).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default 7860).")] = None,
    backend: BackendOpt = None,
    poll: Annotated[Optional[str], typer.Option("--poll", help="Poll the followed sources every INTERVAL while "
                    "serving (e.g. 15m, 1h, 90s; default ASSISTANT_POLL_INTERVAL, unset: never).")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Start the web chat and the HTTP API (one server, http://127.0.0.1:7860 by default)."""

    def body() -> int:
        from .server.app import serve as run_server

        settings = _settings(index_dir, backend=backend, host=host, port=port, poll_interval=poll)
        run_server(settings, settings.host, settings.port)
        return 0

    _run(body)


@app.command("eval")
def evaluate(
    dataset: Annotated[Path, typer.Option("--dataset", help="A MultiHop-RAG folder (corpus.json, MultiHopRAG.json).")],
    split: Annotated[str, typer.Option(help="dev, heldout or all.")] = "dev",
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Units retrieved per question.")] = 10,
    answers: Annotated[int, typer.Option("--answers", min=0, help="Also answer N questions end to end (spread "
                       "evenly over the split).")] = 0,
    sample: Annotated[int, typer.Option("--sample", min=0, help="Answer N questions of each question type, spread "
                      "evenly (instead of --answers).")] = 0,
    skip_retrieval: Annotated[bool, typer.Option("--answers-only", help="Skip the retrieval scores (answers only).")] = False,
    backend: BackendOpt = None,
    eval_index: Annotated[Optional[Path], typer.Option("--eval-index", help="Index folder for the evaluation (default: ~/.cache/news-assistant/eval/<dataset>).")] = None,
    retrieval: Annotated[Optional[list[str]], typer.Option("--retrieval", help="Override a retrieval setting, e.g. use_dense=false (repeatable; for ablations).")] = None,
    chunking: Annotated[Optional[list[str]], typer.Option("--chunking", help="Override the chunking, e.g. pack=true, max_tokens=128 (repeatable; builds its own evaluation index).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Score retrieval (and optionally answers) on MultiHop-RAG, on the evaluation's own index."""

    def body() -> int:
        from ..assistant import Parts
        from ..evaluation.multihop import load_dataset
        from ..evaluation.runner import run_eval

        settings = _settings(None, backend=backend)
        data = load_dataset(dataset)
        data.split(split)  # type: ignore[arg-type]
        parts = Parts.from_overrides(retrieval or [], chunking or [])
        with _progress(True) as progress:
            result = run_eval(settings, data, split, k, answers, eval_index, progress, parts,  # type: ignore[arg-type]
                              sample=sample, retrieval=not skip_retrieval)
        if as_json:
            out.print_json(json.dumps(result))
        else:
            _print_eval(result)
        return 0

    _run(body)


def _print_eval(result: dict) -> None:
    from rich.table import Table

    metrics = ["hits@4", "hits@10", "mrr@10", "map@10", "recall@10", "all_evidence@10"]
    if "hits@10" not in result:  # --answers-only
        _print_answers(result)
        return
    table = Table(title=f"{result['dataset']} / {result['split']}: retrieval, top {result['k']}")
    table.add_column("questions")
    for m in ["n", *metrics]:
        table.add_column(m, justify="right")
    table.add_row("all", *(str(result[m]) for m in ["n", *metrics]))
    for kind, row in result["per_type"].items():
        table.add_row(kind, *(str(row[m]) for m in ["n", *metrics]))
    out.print(table)
    out.print(f"retrieval latency p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms; index build "
              f"{result['index_seconds']} s; retrieved units: max {result['max_chunk_tokens']} tokens, mean "
              f"{result['mean_chunk_tokens']}")
    _print_answers(result)


def _print_answers(result: dict) -> None:
    if "answers" in result:
        a = result["answers"]
        out.print(f"answers ({a['backend']}, {a['n']} questions, {a['null']} null): strict {a['strict']}, paper's "
                  f"accuracy {a['accuracy']}, exact match {a['exact_match']}; yes {a['yes_no']['yes']['strict']} no "
                  f"{a['yes_no']['no']['strict']}; refusal precision {a['refusal_precision']} recall "
                  f"{a['refusal_recall']}; right answers citing a gold article {a['right_citing_gold']}; first output "
                  f"p50 {a['first_output_p50_s']} s, answer p50 {a['answer_p50_s']} s p95 {a['answer_p95_s']} s")
        for kind, row in a["per_type"].items():
            out.print(f"  {kind}: {row['n']} questions, strict {row['strict']}, paper's accuracy {row['accuracy']}")


@app.command()
def prepare() -> None:
    """Join and verify the local LLM's weights (done once; `make` runs it) and check the embedding model is there."""

    def body() -> int:
        from ..assistant import prepare_models

        for line in prepare_models(Settings()):
            err.print(line)
        return 0

    _run(body)


def main() -> None:
    """Entry point of the ``assistant`` command."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "chromadb", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app()


if __name__ == "__main__":
    main()
