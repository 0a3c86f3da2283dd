"""Generator text chunks in PNG files (Stable Diffusion web UI, Fooocus, ComfyUI, InvokeAI,
NovelAI)."""

from __future__ import annotations

import json

from aiorhuman.provenance.text import clip

SD_WEBUI = "Stable Diffusion web UI"
COMFYUI = "ComfyUI"
INVOKEAI = "InvokeAI"
NOVELAI = "NovelAI"
FOOOCUS = "Fooocus"


def _json_object(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def generator(keyword: str, text: str) -> str | None:
    """The tool that wrote a text chunk, when the chunk is one of the known ones."""
    if not text.strip():
        return None
    if keyword == "parameters":
        # Fooocus writes its own JSON here, or web UI text with "Version: Fooocus v…".
        fooocus = _json_object(text) is not None or "Version: Fooocus" in text
        return FOOOCUS if fooocus else SD_WEBUI
    if keyword in ("prompt", "workflow"):
        return COMFYUI if _json_object(text) is not None else None
    if keyword in ("sd-metadata", "invokeai_metadata"):
        return INVOKEAI if _json_object(text) is not None else None
    if keyword == "Dream":
        return INVOKEAI
    if keyword == "Software" and text.strip().lower().startswith("novelai"):
        return NOVELAI
    if keyword == "Comment":
        value = _json_object(text)
        if value is not None and ("uc" in value or "v4_prompt" in value):
            return NOVELAI
    return None


def png_text_signal(source: str, tool: str, text: str) -> dict:
    """A decisive ``png-text`` signal: ``tool`` wrote ``text`` where ``source`` says."""
    return {
        "kind": "png-text",
        "source": source,
        "indicates": "ai",
        "decisive": True,
        "detail": clip(f"{tool}: {text}"),
        "generator": tool,
    }


def png_text_signals(chunks: list[tuple[str, str]]) -> list[dict]:
    """One decisive ``png-text`` signal per recognised chunk, in file order."""
    signals = []
    for keyword, text in chunks:
        tool = generator(keyword, text)
        if tool is not None:
            signals.append(png_text_signal(f"PNG text '{keyword}'", tool, text))
    return signals
