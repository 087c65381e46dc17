"""Count the database round trips a piece of code makes.

On a real server (``TUMBLELOG_TEST_MONGODB_URI``) pymongo's command monitoring sees
every command sent. On mongomock, which sends nothing, the calls into its Collection
that would each be one command are counted instead (the outermost call only: mongomock
implements find_one with find, and so on). Index creation is not counted: it happens
once per collection per process, not per page.
"""
import contextlib
import threading

from mongomock.collection import Collection as MockCollection
from pymongo import monitoring

COMMANDS = {
    "find", "getMore", "aggregate", "count", "distinct",
    "insert", "update", "delete", "findAndModify",
}
MOCK_COMMANDS = {
    "find": "find", "find_one": "find", "aggregate": "aggregate",
    "count_documents": "aggregate", "estimated_document_count": "count",
    "distinct": "distinct", "insert_one": "insert", "insert_many": "insert",
    "update_one": "update", "update_many": "update", "replace_one": "update",
    "delete_one": "delete", "delete_many": "delete", "bulk_write": "update",
    "find_one_and_update": "findAndModify", "find_one_and_delete": "findAndModify",
    "find_one_and_replace": "findAndModify",
}

_recording = []  # the lists currently recording; usually none
_depth = threading.local()


class _Listener(monitoring.CommandListener):
    def started(self, event):
        if event.command_name in COMMANDS:
            for commands in _recording:
                commands.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


# Listeners apply to clients created after registration: each test's app creates its
# own client, so registering at import covers them all.
monitoring.register(_Listener())


def _counting(name, method):
    def wrapper(self, *args, **kwargs):
        depth = getattr(_depth, "value", 0)
        if depth == 0:
            for commands in _recording:
                commands.append(name)
        _depth.value = depth + 1
        try:
            return method(self, *args, **kwargs)
        finally:
            _depth.value = depth

    return wrapper


@contextlib.contextmanager
def wrapped_mock_methods(attrs, wrap):
    """Replace each mongomock Collection method ``attr`` with ``wrap(attr, method)``
    for the duration of the ``with`` block."""
    originals = {attr: getattr(MockCollection, attr) for attr in attrs}
    for attr, method in originals.items():
        setattr(MockCollection, attr, wrap(attr, method))
    try:
        yield
    finally:
        for attr, method in originals.items():
            setattr(MockCollection, attr, method)


@contextlib.contextmanager
def round_trips():
    """``with round_trips() as commands:`` records one name per database command."""
    commands = []
    with wrapped_mock_methods(MOCK_COMMANDS, lambda attr, method: _counting(MOCK_COMMANDS[attr], method)):
        _recording.append(commands)
        try:
            yield commands
        finally:
            _recording.remove(commands)


@contextlib.contextmanager
def atomic_mock_writes():
    """Make each mongomock write atomic, as each is on a server.

    mongomock checks unique indexes and deletes without a lock, so two threads can
    both insert "the only" like, or both delete one. A server never does; with this,
    a concurrency test on mongomock finds races in our code, not in mongomock's.
    """
    lock = threading.RLock()

    def locked(attr, method):
        def wrapper(self, *args, **kwargs):
            with lock:
                return method(self, *args, **kwargs)

        return wrapper

    write_commands = ("insert", "update", "delete", "findAndModify")
    writes = [attr for attr, name in MOCK_COMMANDS.items() if name in write_commands]
    with wrapped_mock_methods(writes, locked):
        yield
