"""The timeline: dated events in categories (data/timeline.yaml)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

from ..declared import Key, MinItems, PartialDay, Ref, TextPair
from ..errors import Diagnostics, Loc
from ..reader import Reader
from ..pagekind import PageKind, sheet_file
from ..reserved import check_ids, template_ids
from .common import Category, Kind, warn_placeholders
from .sources import SourceId

if TYPE_CHECKING:
    from ..model import Site
    from ..parse import Parsed


@dataclass(frozen=True, kw_only=True)
class Event:
    """A dated event on the timeline."""

    id: Annotated[str, Key("event")]
    """Its id, an anchor on the timeline page."""
    date: PartialDay
    """When it happened (or is due)."""
    category: Annotated[str, Ref("event category")]
    """Its category."""
    title: TextPair
    """What happened."""
    text: TextPair | None = None
    """More about it."""
    platforms: tuple[Annotated[str, Ref("platform")], ...] = ()
    """Related platforms: links to their pages."""
    articles: tuple[Annotated[str, Ref("article")], ...] = ()
    """Related articles: links to them."""
    source: SourceId
    """The source it comes from."""
    loc: Loc
    """Where it is defined."""


@dataclass(frozen=True, kw_only=True)
class Timeline:
    """data/timeline.yaml."""

    categories: Annotated[tuple[Category, ...], MinItems(1), Key("event category")]
    """Event categories, in the order written."""
    events: tuple[Event, ...]
    """Events, in any order: the timeline shows them oldest first."""

    def event(self, event_id: str) -> Event:
        """The event with this id."""
        return self._events[event_id]

    @cached_property
    def _events(self) -> dict[str, Event]:
        return {e.id: e for e in self.events}

    def category(self, category_id: str) -> Category:
        """The category with this id."""
        return self._categories[category_id]

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}


def check(timeline: Timeline, reader: Reader) -> Timeline:
    """The events oldest first; events on the same date keep the order they are written in."""
    return reader.replace(timeline, events=tuple(sorted(timeline.events, key=lambda event: event.date)))


def warn(site: Site, parsed: Parsed, diags: Diagnostics) -> None:
    """A warning for each event that still holds placeholder text; an error for each event id that is also an
    id the templates give an element (the timeline page makes each event's id its anchor)."""
    events = site.timeline.events if site.timeline else ()
    warn_placeholders(events, diags)
    if events:
        check_ids(((event.id, event.loc) for event in events), "event", template_ids(site.templates_dir), diags)


PAGES = (PageKind("timeline", 30, "{lang}/timeline/", template="timeline.html", sheet="timeline",
                  source=sheet_file("timeline")),)
"""The timeline page, per language."""

KIND = Kind("timeline", Timeline, check=check, warn=warn,
            pages=PAGES)
