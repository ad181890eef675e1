"""How names typed by people are compared: case, accents and spacing do not matter."""

from __future__ import annotations

import unicodedata


def name_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())
