"""CSV exports for spreadsheets in French: what every export shares."""


def neutralise(value: str) -> str:
    """A cell that a spreadsheet would take for a formula (« =HYPERLINK(…) » typed as a
    meeting title) is written as text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
