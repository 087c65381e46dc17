"""What Webmention needs from another site's HTML, read in one bounded pass (no Flask).

``scan(html, base_url)`` finds the page's links, its Webmention endpoint (the first
``<link>`` or ``<a>`` with ``rel="webmention"``), its ``<title>`` and its first
microformats2 ``h-entry`` (name, content, published time, author h-card, and whether
it replies to, likes or reposts a URL). libxml2 (through lxml) parses, in time linear
in the page (the standard library's parser is quadratic on some malformed input: 16 s
for a megabyte of ``<![CDATA[``); the scan reads ``MAX_ELEMENTS`` elements at most,
keeps ``MAX_DEPTH`` open and caps every text it collects.

The microformats part is the subset of the mf2 parsing rules a mention needs: ``p-``,
``u-``, ``dt-`` and ``e-`` properties (``e-`` as text), nested ``h-*`` objects as
property values, and the implied ``name``, ``url`` and ``photo`` of an h-card.
"""
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

MAX_ELEMENTS = 20_000  # start and end tags read; the rest of the page is not looked at
MAX_DEPTH = 256  # open elements kept; deeper ones are read as if empty
MAX_CAPTURING = 64  # open elements collecting their text at once
MAX_TEXT = 5000  # characters kept of any one text (a title, a property)
MAX_LINKS = 1000  # distinct links remembered
UNSEEN = frozenset({"script", "style", "template", "noscript"})  # text readers never see
# Which attribute holds a u- property's URL, by element.
URL_ATTRIBUTES = {"a": "href", "area": "href", "link": "href", "img": "src", "audio": "src", "video": "src",
                  "source": "src", "iframe": "src", "object": "data"}
# Elements whose URL counts as a link to another page (what a mention must contain).
LINKING = {"a": "href", "area": "href", "img": "src", "audio": "src", "video": "src", "source": "src"}


class _Full(Exception):
    """The page is longer than the scan reads."""


@dataclass
class Microformat:
    """An ``h-*`` object: its types and its properties, each a list of values (text,
    or a nested Microformat)."""

    types: list
    properties: dict = field(default_factory=dict)
    text: list = field(default_factory=list)  # its whole text, for the implied name
    text_size: int = 0
    implied_url: str = ""
    implied_photo: str = ""
    has_explicit_name: bool = False

    def first(self, name):
        values = self.properties.get(name)
        return values[0] if values else None

    def text_of(self, name):
        """Property ``name`` as text (a nested object's name or URL)."""
        value = self.first(name)
        if isinstance(value, Microformat):
            return value.text_of("name") or value.text_of("url")
        return value or ""

    def urls_of(self, name):
        """Property ``name``'s values as URLs (a nested h-cite's url)."""
        return [value.text_of("url") if isinstance(value, Microformat) else value
                for value in self.properties.get(name, ())]

    def finish(self):
        """Add the implied properties once the element has ended (mf2 parsing rules)."""
        if "name" not in self.properties and not self.has_explicit_name:
            text = " ".join("".join(self.text).split())
            if text:
                self.properties["name"] = [text[:MAX_TEXT]]
        if "url" not in self.properties and self.implied_url:
            self.properties["url"] = [self.implied_url]
        if "photo" not in self.properties and self.implied_photo:
            self.properties["photo"] = [self.implied_photo]


@dataclass
class Page:
    """What ``scan`` found."""

    links: list = field(default_factory=list)  # absolute, in order, each once
    hrefs: list = field(default_factory=list)  # the links that are anchors (not images)
    endpoint: str | None = None
    title: str = ""
    entry: Microformat | None = None
    complete: bool = True  # False when the page was longer than the scan reads

    def links_to(self, url):
        """Whether the page links to ``url`` (fragments aside)."""
        wanted = url.split("#")[0]
        return any(link.split("#")[0] == wanted for link in self.links)


@dataclass
class _Open:
    """An element being read: where its text goes and what it sets when it ends."""

    tag: str
    microformat: Microformat | None = None  # the h-* object rooted here
    parent: Microformat | None = None  # the object its properties belong to
    properties: list = field(default_factory=list)  # (prefix, name, value or None)
    text: list | None = None  # collected when a property needs it
    size: int = 0


class _Scanner:
    """lxml's parser target: libxml2 reads the page (tag soup included, in linear time)
    and calls ``start``, ``end`` and ``data`` with properly nested elements."""

    def __init__(self, base_url):
        self.base = base_url
        self.page = Page()
        self.stack = []
        self.too_deep = 0  # elements opened past MAX_DEPTH and not yet closed
        self.microformats = []  # the open h-* objects, innermost last
        self.capturing = []  # the open elements collecting text
        self.seen = set()
        self.elements = 0
        self.in_title = False
        self.unseen = 0  # open elements whose text readers never see

    def absolute(self, url):
        url = (url or "").strip()
        try:
            joined = urljoin(self.base, url)
        except ValueError:
            return ""
        return joined if urlsplit(joined).scheme in ("http", "https") else ""

    # -- the parser's callbacks ----------------------------------------------------

    def start(self, tag, attributes):
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise _Full
        if not isinstance(tag, str):
            return
        if len(self.stack) >= MAX_DEPTH:
            self.too_deep += 1
            return
        attributes = {str(name).lower(): value or "" for name, value in attributes.items()}
        self.unseen += tag in UNSEEN
        if tag == "title" and not self.page.title:
            self.in_title = True
        rels = attributes.get("rel", "").lower().split()
        if tag in ("link", "a") and "webmention" in rels and "href" in attributes and self.page.endpoint is None:
            self.page.endpoint = self.absolute(attributes["href"]) or None
        if tag in LINKING and attributes.get(LINKING[tag]):
            link = self.absolute(attributes[LINKING[tag]])
            if link and link not in self.seen and len(self.seen) < MAX_LINKS:
                self.seen.add(link)
                self.page.links.append(link)
                if LINKING[tag] == "href":
                    self.page.hrefs.append(link)
        self.stack.append(self.open_element(tag, attributes))

    def end(self, tag):
        if self.too_deep:
            self.too_deep -= 1
        elif self.stack:
            if tag == "title":
                self.in_title = False
            self.unseen -= self.stack[-1].tag in UNSEEN
            self.close_element(self.stack.pop())

    def data(self, data):
        if self.unseen:
            return
        if self.in_title and len(self.page.title) < MAX_TEXT:
            self.page.title += data
        for element in self.capturing:
            if element.text is not None and element.size < MAX_TEXT:
                element.text.append(data)
                element.size += len(data)
            found = element.microformat
            if found is not None and found.text_size < MAX_TEXT:
                found.text.append(data)
                found.text_size += len(data)

    def close(self):
        return self.page

    # -- microformats --------------------------------------------------------------

    def open_element(self, tag, attributes):
        classes = attributes.get("class", "").split()
        parent = self.microformats[-1].microformat if self.microformats else None
        element = _Open(tag, parent=parent)
        types = [name for name in classes if name.startswith("h-") and len(name) > 2]
        if types:
            element.microformat = Microformat(types)
            if tag in ("a", "area") and attributes.get("href"):
                element.microformat.implied_url = self.absolute(attributes["href"])
            if tag == "img" and attributes.get("src"):
                element.microformat.implied_photo = self.absolute(attributes["src"])
                element.microformat.text.append(attributes.get("alt", ""))
            if self.page.entry is None and "h-entry" in types:
                self.page.entry = element.microformat
            self.microformats.append(element)
        self.read_properties(element, classes, tag, attributes)
        if (element.text is not None or element.microformat is not None) and len(self.capturing) < MAX_CAPTURING:
            self.capturing.append(element)
        return element

    def read_properties(self, element, classes, tag, attributes):
        parent = element.parent
        if parent is None:
            return
        for name in classes:
            prefix, _, property_name = name.partition("-")
            if prefix not in ("p", "u", "dt", "e") or not property_name:
                continue
            if prefix in ("p", "e") and property_name == "name":
                parent.has_explicit_name = True
            value = self.attribute_value(prefix, tag, attributes)
            element.properties.append((prefix, property_name, value))
            if value is None and element.text is None:
                element.text = []

    def attribute_value(self, prefix, tag, attributes):
        """A property's value from the element's attributes, or None if it is the text."""
        if prefix == "u" and attributes.get(URL_ATTRIBUTES.get(tag, "")):
            return self.absolute(attributes[URL_ATTRIBUTES[tag]])
        if prefix == "dt" and attributes.get("datetime"):
            return attributes["datetime"][:100]
        if tag in ("img", "area") and "alt" in attributes:
            return attributes["alt"][:MAX_TEXT]
        if tag in ("abbr", "data", "input") and (attributes.get("title") or attributes.get("value")):
            return (attributes.get("value") or attributes.get("title"))[:MAX_TEXT]
        return None

    def close_element(self, element):
        for opened in (self.microformats, self.capturing):
            if opened and opened[-1] is element:
                opened.pop()
        if element.microformat is not None:
            element.microformat.finish()
        if element.parent is None:
            return
        text = " ".join("".join(element.text or ()).split())[:MAX_TEXT]
        for prefix, name, value in element.properties:
            if element.microformat is not None:
                value = element.microformat  # a nested object is the property's value
            elif value is None:
                value = self.absolute(text) if prefix == "u" else text
            element.parent.properties.setdefault(name, []).append(value)


def scan(html, base_url):
    """Read ``html`` (text) as the page at ``base_url``; return a ``Page``."""
    scanner = _Scanner(base_url)
    parser = etree.HTMLParser(target=scanner, no_network=True, recover=True, remove_comments=True, remove_pis=True)
    try:
        parser.feed(html)
        parser.close()
    except _Full:
        scanner.page.complete = False
    except etree.LxmlError:
        scanner.page.complete = False  # what it read before giving up still counts
    while scanner.stack:  # elements never closed end with the page
        scanner.close_element(scanner.stack.pop())
    scanner.page.title = " ".join(scanner.page.title.split())[:MAX_TEXT]
    return scanner.page
