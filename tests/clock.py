"""A clock tests can move: every "now" of the site comes from ``tumblelog.models.utcnow``,
which reads ``datetime.now`` of its module, so shifting that moves the whole site."""
from datetime import datetime, timedelta


class Clock:
    def __init__(self, monkeypatch):
        self.shift = timedelta()
        clock = self

        class Shifted(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.now(tz) + clock.shift

        monkeypatch.setattr("tumblelog.models.datetime", Shifted)

    def advance(self, **delta):
        """Move the site's clock forward by ``timedelta(**delta)``."""
        self.shift += timedelta(**delta)

    def now(self):
        from tumblelog.models import utcnow

        return utcnow()
