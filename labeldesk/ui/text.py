"""Text for tooltips that may hold someone else's words (label names, a Wix app's name, Wix's messages).

Qt shows a tooltip as rich text (HTML) whenever ``Qt.mightBeRichText`` says its text may be some: a
tooltip naming a Wix app called ``<img src=file:///…>`` would load that file, and ``<h1>`` would
shout. There is no way to ask Qt for a plain-text tooltip, so every tooltip goes through
:func:`plain_tooltip`: a text Qt would take for HTML is handed over as HTML that shows that very
text, escaped.
"""

from __future__ import annotations

from typing import overload

from PySide6.QtGui import Qt

#: The longest tooltip, in characters (then "…"): Qt lays out every character of a tooltip when it
#: shows it, and a 1 MB text took seconds on the GUI thread.
TOOLTIP_MAX_LENGTH = 600


@overload
def plain_tooltip(text: str) -> str: ...
@overload
def plain_tooltip(text: None) -> None: ...
def plain_tooltip(text: str | None) -> str | None:
    """``text`` for ``setToolTip`` or a model's ToolTipRole, shown exactly as written, never as HTML.

    Shortened to :data:`TOOLTIP_MAX_LENGTH` characters. ``None`` and ``""`` (no tooltip) stay as
    they are; so does any text Qt shows as plain text anyway (our own words, nearly every name).
    """
    if not text:
        return text
    if len(text) > TOOLTIP_MAX_LENGTH:
        text = text[: TOOLTIP_MAX_LENGTH - 1] + "…"
    if not Qt.mightBeRichText(text):
        return text
    import html  # (rarely needed: not at start-up)

    # As HTML: the text escaped, its line breaks and spaces kept, wrapped like any long tooltip.
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"


def literal(text: str) -> str:
    """Text for a button or menu item, shown as typed: '&' would otherwise underline the next letter."""
    return text.replace("&", "&&")
