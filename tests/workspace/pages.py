"""Reading a dashboard page as a person's browser gets it: KPI cards, tables and the panels' GraphQL queries."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class DashboardPage(HTMLParser):
    def __init__(self, content: str):
        super().__init__()
        self.cards: dict[str, str] = {}  # kpi -> raw value
        self.changes: dict[str, str] = {}  # kpi -> raw relative change
        self.tables: dict[str, list[list[str]]] = {}  # table name -> rows of raw cell values
        self.headers: dict[str, list[str]] = {}
        self.queries: list[str] = []
        self.errors: list[tuple[str, str]] = []  # (field, text)
        self._table = self._card = self._error = None
        self._in_th = self._in_pre = False
        self._text: list[str] = []
        self.feed(content)
        self.queries = [html.unescape(q) for q in re.findall(r"<pre data-query>(.*?)</pre>", content, re.S)]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "data-kpi" in a:
            self._card = a["data-kpi"]
            self.cards[self._card] = a["data-value"]
        elif tag == "div" and "data-change" in a and self._card:
            self.changes[self._card] = a["data-change"]
        elif tag == "table" and "data-table" in a:
            self._table = a["data-table"]
            self.tables[self._table], self.headers[self._table] = [], []
        elif tag == "tr" and self._table:
            self._row: list[str] = []
        elif tag == "td" and self._table and "data-raw" in a:
            self._row.append(a["data-raw"])
        elif tag == "th" and self._table:
            self._in_th, self._text = True, []
        elif tag == "li" and "data-field" in a:
            self._error, self._text = a["data-field"], []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._table and getattr(self, "_row", None):
            self.tables[self._table].append(self._row)
            self._row = []
        elif tag == "th" and self._in_th:
            self.headers[self._table].append("".join(self._text).strip())
            self._in_th = False
        elif tag == "li" and self._error:
            self.errors.append((self._error, "".join(self._text).strip()))
            self._error = None

    def handle_data(self, data):
        if self._in_th or self._error:
            self._text.append(data)

    def query(self, name: str) -> str:
        """The panel query whose operation is ``name``."""
        return next(q for q in self.queries if q.startswith(f"query {name} "))
