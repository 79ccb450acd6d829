"""LLM support: building a LangChain chat model from settings, prompts, and the section judge."""

from app.llm.provider import LLMError, build_chat_model, describe_spec

__all__ = ["LLMError", "build_chat_model", "describe_spec"]
