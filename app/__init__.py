"""mlsd's application layer: settings, rubric, review, chat, LLM, reports, CLI and UI."""
