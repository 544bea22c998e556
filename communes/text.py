"""Folding of French place names to what people type in a search box."""

import unicodedata


def fold(text: str) -> str:
    """'Saint-Brieuc', 'saint brieuc' and 'SAINT BRIEUC' fold to the same text; so do
    'Plédéliac' and 'pledeliac', 'Œuilly' and 'oeuilly'. It also sorts names the French way
    (accents do not send 'Éréac' after 'Yvignac')."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    for char in "-'’":
        stripped = stripped.replace(char, " ")
    return " ".join(stripped.lower().replace("œ", "oe").replace("æ", "ae").split())
