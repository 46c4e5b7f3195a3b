"""The web UI's stylesheet (source cards, citation links, notes), injected into the page head."""

CSS = """
<style>
.gradio-container { --font: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans", "DejaVu Sans", sans-serif; }
#sources-panel { max-height: 640px; overflow-y: auto; }
.sources-empty { color: var(--body-text-color-subdued); font-size: 0.9em; padding: 0.5em; }
.turn { margin-bottom: 1.2em; }
.turn-head { font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 0.4em;
  border-bottom: 1px solid var(--border-color-primary); padding-bottom: 0.3em; }
.turn-head .q { font-weight: 600; color: var(--body-text-color); }
.turn-head .searched { margin-top: 0.2em; font-style: italic; }
.source-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6em 0.8em;
  margin: 0.5em 0; background: var(--block-background-fill); scroll-margin-top: 1em; transition: box-shadow 0.3s; }
.source-card.retrieved { opacity: 0.85; }
.source-card:target, .source-card.targeted { box-shadow: 0 0 0 3px var(--color-accent); }
.source-card header { font-size: 0.95em; }
.source-card .num { color: var(--color-accent); font-weight: 700; }
table.followed { font-size: 0.85em; width: 100%; } table.followed td { vertical-align: top; word-break: break-all; }
table.followed ul.errors { margin: 0; padding-left: 1em; color: var(--error-text-color); }
.source-card .also { font-size: 0.8em; font-style: italic; color: var(--body-text-color-subdued); margin: 0 0 0.4em; }
.source-card .meta { font-size: 0.8em; color: var(--body-text-color-subdued); margin: 0.2em 0 0.4em; }
.source-card .passage { margin: 0; padding: 0 0 0 0.6em; border-left: 3px solid var(--border-color-primary);
  font-size: 0.9em; white-space: pre-wrap; }
.source-card mark { background: #fde68a; color: #111; padding: 0 1px; border-radius: 2px; }
.source-card .article-link { font-size: 0.85em; display: inline-block; margin-top: 0.4em; }
.status, .no-sources { font-size: 0.85em; color: var(--body-text-color-subdued); }
details.retrieved summary { cursor: pointer; font-size: 0.85em; }
a.cite { text-decoration: none; font-weight: 600; font-size: 0.85em; vertical-align: super; padding: 0 1px; }
.answer-note { display: inline-block; font-size: 0.85em; color: var(--body-text-color-subdued);
  border-left: 3px solid #f59e0b; padding-left: 0.5em; }
.answer-note.refused { border-left-color: #9ca3af; }
.short-answer { font-size: 1.15em; margin: 0 0 0.3em; }
.notice { padding: 0.6em 0.8em; border-radius: 6px; margin: 0.4em 0; }
.notice.error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.notice.info { background: #eff6ff; color: #1e3a8a; border: 1px solid #bfdbfe; }
.index-report ul.counts { display: flex; gap: 1.2em; list-style: none; padding: 0; margin: 0.3em 0; }
.index-report .failures { color: #991b1b; }
#article-table { --font-mono: var(--font); }
table.index-stats { border-collapse: collapse; font-size: 0.9em; width: 100%; }
table.index-stats th, table.index-stats td { text-align: left; padding: 0.25em 0.5em; border: 0;
  border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
table.index-stats th { font-weight: 600; white-space: nowrap; width: 40%; }
.source-card blockquote.passage { padding: 0.1em 0.6em; margin: 0.3em 0 !important; }
</style>
"""
