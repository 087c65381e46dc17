"""Count database round trips, time them, and record the shape of each query.

On a real server every command pymongo sends is seen by a ``CommandListener``. On
mongomock there is no wire, so the collection API is wrapped instead: each outermost
call (and each time a find cursor computes its results) counts as one round trip.

Call ``install()`` once, before the app connects; then ``with METER.recording() as ops:``
collects an ``Operation`` per round trip made inside the block.
"""
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import mongomock
from mongomock.collection import Collection, Cursor
from pymongo import monitoring

# Commands that are a driver's housekeeping, not a query the app asked for.
IGNORED_COMMANDS = {"endSessions", "hello", "isMaster", "ismaster", "saslStart", "saslContinue", "killCursors"}

# The mongomock methods that reach the "server"; find() is counted when its cursor computes.
MONGOMOCK_CALLS = (
    "aggregate", "bulk_write", "count_documents", "delete_many", "delete_one", "distinct",
    "estimated_document_count", "find_one_and_delete", "find_one_and_replace",
    "find_one_and_update", "insert_many", "insert_one", "replace_one", "update_many", "update_one",
    "create_index", "create_indexes", "drop", "drop_index", "drop_indexes", "index_information",
    "list_indexes",
)


@dataclass
class Operation:
    """One round trip: the command, its collection, and for reads the filter and sort."""

    command: str
    collection: str
    filter: dict | None = None
    sort: list | None = None
    seconds: float = 0.0
    cpu: float = 0.0  # this thread's CPU time inside the call: mongomock's work, not ours


@dataclass
class Meter:
    operations: list = field(default_factory=list)
    active: bool = False

    @contextmanager
    def recording(self):
        """Collect the round trips made inside the block into the list it yields."""
        self.operations = []
        self.active = True
        try:
            yield self.operations
        finally:
            self.active = False

    def add(self, operation):
        if self.active:
            self.operations.append(operation)


METER = Meter()
_local = threading.local()  # mongomock calls nest (find_one -> find); count the outer one


def command_shape(name, command):
    """(collection, filter, sort) of a wire command; filter and sort None if it has none."""
    collection = command.get(name) if isinstance(command.get(name), str) else command.get("collection", "")
    if name == "find":
        return collection, dict(command.get("filter", {})), list(dict(command.get("sort") or {}).items())
    if name == "aggregate":
        return collection, *pipeline_shape(command.get("pipeline", []))
    if name in ("count", "distinct"):
        return collection, dict(command.get("query", {})), None
    if name == "findAndModify":
        return collection, dict(command.get("query", {})), list(dict(command.get("sort") or {}).items())
    if name in ("update", "delete"):
        statements = command.get("updates") or command.get("deletes") or [{}]
        return collection, dict(statements[0].get("q", {})), None
    return collection, None, None


def pipeline_shape(pipeline):
    """The filter and sort an aggregation starts with: what an index can serve."""
    match, sort = {}, None
    for stage in pipeline:
        if "$match" in stage and sort is None:
            match = {**match, **stage["$match"]}
        elif "$sort" in stage and sort is None:
            sort = list(stage["$sort"].items())
        else:
            break
    return match, sort


class Listener(monitoring.CommandListener):
    """Times every command pymongo sends while the meter is recording."""

    def __init__(self):
        self.pending = {}

    def started(self, event):
        if METER.active and event.command_name not in IGNORED_COMMANDS:
            collection, filter_, sort = command_shape(event.command_name, event.command)
            self.pending[event.request_id] = Operation(event.command_name, collection, filter_, sort)

    def succeeded(self, event):
        operation = self.pending.pop(event.request_id, None)
        if operation is not None:
            operation.seconds = event.duration_micros / 1e6
            METER.add(operation)

    failed = succeeded


def _metered(method, shape):
    """Wrap a mongomock method so that its outermost call is one timed Operation."""

    def wrapper(self, *args, **kwargs):
        if not METER.active or getattr(_local, "depth", 0):
            return method(self, *args, **kwargs)
        _local.depth = 1
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            return method(self, *args, **kwargs)
        finally:
            _local.depth = 0
            METER.add(Operation(*shape(self, args, kwargs), seconds=time.perf_counter() - started,
                                cpu=time.thread_time() - cpu_started))

    return wrapper


def _call_shape(name):
    def shape(collection, args, kwargs):
        if name == "aggregate":
            return (name, collection.name, *pipeline_shape(args[0] if args else kwargs.get("pipeline", [])))
        first = args[0] if args else kwargs.get("filter")
        filter_ = dict(first) if isinstance(first, dict) and not name.startswith("insert") else None
        return name, collection.name, filter_, kwargs.get("sort")

    return shape


def _cursor_shape(cursor, args, kwargs):
    # A cursor computes its results once per query: that is when mongomock "answers".
    return "find", cursor.collection.name, dict(cursor._spec or {}), list(cursor._sort or [])


def _wrap_cursor(compute):
    def answer(self, with_limit_and_skip=False):
        # A server sends only the documents the query's skip and limit leave; mongomock
        # keeps every match, slices that list again on every next(), and frees it when
        # the cursor goes: work of the database, which would otherwise be counted as
        # ours (and grow with the post count). Keep the window only, here, inside the
        # timed call.
        window = list(compute(self, True))
        if self._skip or self._limit:
            self._results, self._skip, self._skipped = window, 0, self._skip
        return window if with_limit_and_skip else self._results

    metered = _metered(answer, _cursor_shape)

    def wrapper(self, with_limit_and_skip=False):
        if self._results and self._factory_last_generated_results == self._factory:
            return compute(self, with_limit_and_skip)  # already answered
        return metered(self, with_limit_and_skip)

    return wrapper


def _keep_skip(clone):
    """A clone of a cursor whose window was kept (``_wrap_cursor``) asks for the same
    skip as the original did (MongoEngine clones cursors: ``first()`` of a queryset)."""

    def wrapper(self):
        copy = clone(self)
        copy._skip = getattr(self, "_skipped", self._skip)
        return copy

    return wrapper


_installed = False


def install():
    """Hook the meter into pymongo and mongomock (once; clients made later are seen)."""
    global _installed
    if _installed:
        return
    _installed = True
    monitoring.register(Listener())
    for name in MONGOMOCK_CALLS:
        if hasattr(Collection, name):
            setattr(Collection, name, _metered(getattr(Collection, name), _call_shape(name)))
    Cursor._compute_results = _wrap_cursor(Cursor._compute_results)
    Cursor.clone = _keep_skip(Cursor.clone)
    assert mongomock.__version__.startswith("4."), "the cursor hook reads mongomock 4's internals"
