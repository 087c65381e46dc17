"""Count the database round trips a piece of code makes, with ``bench.meter`` (the
benchmark's meter: pymongo's command monitoring on a server, the outermost calls into
mongomock's Collection otherwise); and make mongomock's writes atomic for race tests.
"""
import contextlib
import threading

from mongomock.collection import Collection as MockCollection

from bench.meter import METER, install

# mongomock's write methods: each is one command on a server.
MOCK_WRITES = (
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "bulk_write", "find_one_and_update", "find_one_and_delete", "find_one_and_replace",
)

install()  # before any test's app connects, so pymongo's listener sees its client


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
    """``with round_trips() as commands:`` records one name per database command
    (filled in when the block ends)."""
    commands = []
    with METER.recording() as operations:
        yield commands
    commands.extend(op.command for op in operations)


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

    with wrapped_mock_methods(MOCK_WRITES, locked):
        yield
