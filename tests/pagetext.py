"""The text a reader sees on an HTML page, with the language each piece is in."""
from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TEXT_ATTRIBUTES = ("title", "alt", "aria-label", "content", "placeholder")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, lang in force)
        self.pieces: list[tuple[str, str]] = []

    def _lang(self) -> str:
        return self.stack[-1][1] if self.stack else ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang", self._lang()) or ""
        for name in TEXT_ATTRIBUTES:
            if attrs.get(name):
                self.pieces.append((lang, attrs[name]))
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if data.strip():
            self.pieces.append((self._lang(), data))


def text_pieces(html: str) -> list[tuple[str, str]]:
    """(lang, text) for every text node and human-readable attribute, lang being the one in force there."""
    reader = _Reader()
    reader.feed(html)
    return reader.pieces
