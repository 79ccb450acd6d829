"""The web app (Gradio): review a draft, chat about trade-offs, batch-review a docs folder,
manage the knowledge base and the LLM settings.

A thin layer over the same Python API as the CLI. `app.ui.app.build_app` builds the page;
`mlsd serve` launches it. The modules that turn API results into display values
(`view_review`, `view`, `zipsafe`, `files`, `bind`) import no Gradio and are tested without a
server. This package file imports nothing, so the CLI can check bind options before paying
for Gradio's import.
"""
