"""The GET /v1/models answer.

Mistral shape from the chatlas cassette (2025-12): each entry has id, object "model", created,
owned_by "mistralai", capabilities, name, description, max_context_length, aliases,
deprecation, deprecation_replacement_model, default_model_temperature, type. The gateway
answers OpenAI's minimal shape (id, object, created, owned_by).
"""

from __future__ import annotations

import time
from typing import Any

from harness.sim.config import SimConfig

CAPABILITIES = {
    "completion_chat": True,
    "function_calling": True,
    "completion_fim": False,
    "fine_tuning": False,
    "vision": True,
    "ocr": False,
    "classification": False,
    "moderation": False,
    "audio": False,
}


def models_body(cfg: SimConfig) -> dict[str, Any]:
    created = int(time.time())
    assert cfg.models is not None
    data: list[dict[str, Any]]
    if cfg.dialect == "mistral":
        data = [
            {
                "id": model,
                "object": "model",
                "created": created,
                "owned_by": "mistralai",
                "capabilities": dict(CAPABILITIES),
                "name": model,
                "description": f"Simulated {model}.",
                "max_context_length": cfg.context_window,
                "aliases": [],
                "deprecation": None,
                "deprecation_replacement_model": None,
                "default_model_temperature": cfg.default_temperature,
                "type": "base",
            }
            for model in cfg.models
        ]
    else:
        data = [
            {"id": model, "object": "model", "created": created, "owned_by": "empiriolabs"}
            for model in cfg.models
        ]
    return {"object": "list", "data": data}
