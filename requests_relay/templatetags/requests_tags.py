"""Template helpers of the requests pages and e-mails."""

from django import template

register = template.Library()


@register.filter(is_safe=True)
def rstrip_period(value) -> str:
    """A sentence used as an e-mail subject: no full stop at the end (« … reçue. » → « … reçue »).

    Only final full stops go: an ellipsis (« … ») and the dots inside the text stay.
    """
    text = str(value).rstrip()
    if text.endswith(".") and not text.endswith("..."):
        text = text.rstrip(".").rstrip()
    return text
