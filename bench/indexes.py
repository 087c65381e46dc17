"""Does a declared index serve a query? A static check of filter + sort shapes.

An index ``K`` serves a query when its first keys are exactly the fields the filter
tests for equality, the sort (less any of those fields) follows them in order, all in
K's direction or all reversed, and every other field the filter tests is a key of K,
so the server walks one range of the index and never sorts in memory. An ``$or`` is
served when each branch is served on its own (with the sort and the rest of the filter),
or when all its fields are keys of the index that serves the rest of the filter (then it
only narrows that range).

``_cls`` (MongoEngine's class filter) is ignored when it admits every class stored in
the collection: it matches every document, so it narrows nothing.

Every collection has its unique ``_id`` index, declared or not (the rate limiter's
counters, on a server, live in collections no document declares), and a filter that
tests ``_id`` for equality reads at most one document per value, whatever else it tests.
"""
from mongoengine.base.common import _document_registry

RANGE_OPERATORS = {"$lt", "$lte", "$gt", "$gte"}
ID_INDEX = [("_id", 1)]


def declared_indexes():
    """``{collection: [[(field, direction), ...], ...]}``: ``_id`` and every index the
    documents declare (``meta["indexes"]`` and ``unique=True`` fields)."""
    indexes = {}
    for cls in _document_registry.values():
        collection = cls._meta.get("collection")
        if not collection or cls._meta.get("abstract"):
            continue
        keys = indexes.setdefault(collection, [ID_INDEX])
        for spec in cls._meta.get("index_specs") or []:
            if list(spec["fields"]) not in keys:
                keys.append(list(spec["fields"]))
    return indexes


def stored_classes(collection):
    """The ``_cls`` values documents in ``collection`` can have."""
    return {
        cls._class_name
        for cls in _document_registry.values()
        if cls._meta.get("collection") == collection and cls._meta.get("allow_inheritance")
    }


def conditions(filter_):
    """Flatten ``$and`` and split a filter into (field, kind) pairs and ``$or`` lists.

    ``kind`` is "eq" (a value, ``$eq``, ``$all`` or ``$in``), "range" or "other".
    """
    pairs, alternatives = [], []
    for key, value in filter_.items():
        if key == "$and":
            for part in value:
                more_pairs, more_alternatives = conditions(part)
                pairs += more_pairs
                alternatives += more_alternatives
        elif key == "$or":
            alternatives.append(value)
        elif key.startswith("$"):
            pairs.append((key, "other"))  # $text, $where, $expr: no index shape we declare
        elif isinstance(value, dict) and any(k.startswith("$") for k in value):
            # An $elemMatch beside $all only filters what the $all lookup found.
            operators = set(value) - ({"$elemMatch"} if "$all" in value else set())
            # $all on an array field is a point lookup of one value, then a filter; the
            # server scans each value of an $in (up to 200) and merges them in sort order.
            if operators <= {"$eq", "$all", "$in"}:
                pairs.append((key, "eq"))
            elif operators <= RANGE_OPERATORS:
                pairs.append((key, "range"))
            else:
                pairs.append((key, "other"))
        else:
            pairs.append((key, "eq"))
    return pairs, alternatives


def without_class_filter(filter_, collection):
    """``filter_`` less a ``_cls`` test that every stored document passes."""
    test = filter_.get("_cls")
    if isinstance(test, dict) and set(test) == {"$in"} and stored_classes(collection) <= set(test["$in"]):
        return {k: v for k, v in filter_.items() if k != "_cls"}
    return filter_


def serves(index, pairs, sort):
    """Whether ``index`` serves the (field, kind) ``pairs`` sorted by ``sort``."""
    fields = [name for name, _ in index]
    equal = {name for name, kind in pairs if kind == "eq"}
    if set(fields[: len(equal)]) != equal:
        return False
    rest = [(name, direction) for name, direction in sort or [] if name not in equal]
    keys = index[len(equal): len(equal) + len(rest)]
    if [name for name, _ in rest] != [name for name, _ in keys]:
        return False
    flips = {direction == key_direction for (_, direction), (_, key_direction) in zip(rest, keys)}
    if len(flips) > 1:
        return False
    others = {name for name, kind in pairs if kind != "eq"}
    if not others <= set(fields[len(equal):]):
        return False
    # Something must bound the scan: an equality, a sort or a range on the next key.
    ranges = {name for name, kind in pairs if kind == "range"}
    return bool(equal or rest or (len(fields) > len(equal) and fields[len(equal)] in ranges))


def serving_index(collection, filter_, sort, indexes=None):
    """The declared index that serves this query, or None when none does."""
    indexes = declared_indexes() if indexes is None else indexes
    pairs, alternatives = conditions(without_class_filter(filter_ or {}, collection))
    if ("_id", "eq") in pairs:
        return ID_INDEX
    candidates = indexes.get(collection, [ID_INDEX])
    for index in candidates:
        if not serves(index, pairs, sort):
            continue
        keys = {name for name, _ in index}
        if all(all(set(branch) <= keys for branch in branches) for branches in alternatives):
            return index
    if len(alternatives) == 1 and not pairs:
        # A lone $or: the server plans each branch on its own index (and merges them in
        # sort order).
        branches = alternatives[0]
        if all(serving_index(collection, branch, sort, indexes) for branch in branches):
            return [("$or", 1)]
    elif len(alternatives) == 1:
        # An $or beside other conditions: the server (3.6+) pushes those into each
        # branch and plans the branches so, each on its own index.
        branches = [conditions(branch) for branch in alternatives[0]]
        if all(
            not nested and any(serves(index, pairs + more, sort) for index in candidates)
            for more, nested in branches
        ):
            return [("$or", 1)]
    return None


def unserved(operations, indexes=None):
    """The operations among ``operations`` (see ``bench.meter``) that read with a filter
    or sort no declared index serves."""
    indexes = declared_indexes() if indexes is None else indexes
    return [
        op
        for op in operations
        if op.filter is not None and serving_index(op.collection, op.filter, op.sort, indexes) is None
    ]
