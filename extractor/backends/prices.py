"""A small price table for estimating what a hosted model costs per article.

List prices in USD per million tokens (input, output), as published by the provider when this table
was written (2025); prices change, so override or extend with ``EXTRACTOR_PRICES`` (a JSON object
``{"model": [input, output]}``). Local models cost nothing per token.
"""

from __future__ import annotations

import json
import os

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
}


def price_of(model: str) -> tuple[float, float] | None:
    """(input, output) USD per million tokens for a model, or None when unknown."""
    extra = os.environ.get("EXTRACTOR_PRICES")
    if extra:
        table = {k: (float(v[0]), float(v[1])) for k, v in json.loads(extra).items()}
        if model in table:
            return table[model]
    return PRICES_PER_MILLION.get(model)


def estimate_cost(
    backend_id: str, model: str, prompt_tokens: int, completion_tokens: int
) -> float | None:
    """Estimated USD for the tokens; 0 for the embedded model, None when the price is unknown."""
    if backend_id.startswith("local/"):
        return 0.0
    price = price_of(model)
    if price is None:
        return None
    return round((prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000, 6)
