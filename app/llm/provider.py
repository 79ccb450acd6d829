"""Build any LangChain chat model from one spec string: 'none', 'ollama:NAME',
'openai:NAME' (with a base URL for any OpenAI-compatible server) or 'provider:model'."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from app.errors import ConfigError
from app.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class LLMError(ConfigError):
    """The configured LLM cannot be built or reached; the message says how to fix it."""


def describe_spec(spec: str) -> tuple[str, str]:
    """(provider, model) of a spec; ('none', '') for offline."""
    spec = spec.strip()
    if not spec or spec.lower() in ("none", "off", "offline"):
        return "none", ""
    if ":" not in spec:
        raise LLMError(
            f"LLM spec '{spec}' needs a provider: use 'ollama:{spec}', 'openai:{spec}' or "
            "'provider:model' (MLSD_LLM / --llm)"
        )
    provider, model = spec.split(":", 1)
    if not provider or not model:
        raise LLMError(f"LLM spec '{spec}' must look like 'provider:model'")
    return provider.lower(), model


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model the settings name, or None in offline mode. Nothing is contacted here."""
    provider, model = describe_spec(settings.llm)
    if provider == "none":
        return None
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {}
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if provider == "ollama":
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        kwargs["client_kwargs"] = {"timeout": settings.llm_timeout}
    elif provider == "openai":
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        # Local OpenAI-compatible servers (vLLM, llama.cpp) accept any key.
        kwargs["api_key"] = (
            key
            or os.environ.get("OPENAI_API_KEY")
            or ("not-needed" if settings.llm_base_url else None)
        )
        if kwargs["api_key"] is None:
            raise LLMError(
                "no API key for openai: set OPENAI_API_KEY or MLSD_LLM_API_KEY, "
                "or give --llm-base-url for a local OpenAI-compatible server"
            )
        kwargs["timeout"] = settings.llm_timeout
        kwargs["max_retries"] = 1
    else:
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        if key:
            kwargs["api_key"] = key
        kwargs["timeout"] = settings.llm_timeout
    try:
        chat: BaseChatModel = init_chat_model(f"{provider}:{model}", temperature=0, **kwargs)
        return chat
    except ImportError as exc:
        raise LLMError(f"provider '{provider}' needs an extra package: {exc}") from exc
    except Exception as exc:  # init_chat_model raises ValueError and provider-specific errors
        raise LLMError(f"cannot set up LLM '{settings.llm}': {exc}") from exc


def with_answer_limit(model: BaseChatModel, max_tokens: int) -> BaseChatModel:
    """A copy of the model with a cap on its answer's length, in the field its provider
    names (`num_predict` for Ollama, `max_tokens` for OpenAI-compatible servers and most
    others); the model as it is when it has neither (test fakes)."""
    fields = getattr(type(model), "model_fields", {})
    for name in ("num_predict", "max_tokens"):
        if name in fields and hasattr(model, "model_copy"):
            return model.model_copy(update={name: max_tokens})
    return model
