"""A remote fediverse actor for tests: its key pair, its cached copy on our side, and
signed deliveries to our inboxes through the test client."""
import json
from dataclasses import dataclass, field

from tumblelog.federation import httpsig
from tumblelog.federation.models import RemoteActor
from tumblelog.models import utcnow

_KEYS = {}


def key_pair(name):
    """An RSA key pair per name, made once per test run (making one takes a while)."""
    if name not in _KEYS:
        _KEYS[name] = httpsig.new_key_pair()
    return _KEYS[name]


@dataclass
class RemoteUser:
    """``https://remote.example/users/bob`` as seen by our site."""

    host: str = "remote.example"
    name: str = "bob"
    keys: tuple = field(default_factory=lambda: key_pair("bob"))

    @property
    def id(self):
        return f"https://{self.host}/users/{self.name}"

    @property
    def key_id(self):
        return self.id + "#main-key"

    @property
    def inbox(self):
        return self.id + "/inbox"

    def remember(self):
        """Put this actor's key in our cache, as if fetched a moment ago."""
        RemoteActor(
            actor_id=self.id, key_id=self.key_id, public_pem=self.keys[1], inbox=self.inbox,
            shared_inbox=f"https://{self.host}/inbox", username=self.name,
        ).save()
        return self

    def activity(self, kind, obj, number=1, **extra):
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{self.id}#{kind.lower()}-{number}",
                "type": kind, "actor": self.id, "object": obj, **extra}

    def note(self, number=1, content="<p>Hello from afar</p>", **extra):
        return {"id": f"{self.id}/statuses/{number}", "type": "Note", "attributedTo": self.id,
                "content": content, "url": f"https://{self.host}/@{self.name}/{number}", **extra}

    def send(self, client, inbox, activity, body=None, now=None, private_pem=None, **header_overrides):
        """POST ``activity`` (or raw ``body`` bytes) to ``inbox`` on the test client,
        signed with this actor's key (or ``private_pem``) at ``now``."""
        body = json.dumps(activity).encode() if body is None else body
        url = f"http://localhost{inbox}"
        headers = httpsig.sign("POST", url, body, self.key_id, private_pem or self.keys[0], now=now)
        headers.update(header_overrides)
        headers = {name: value for name, value in headers.items() if value is not None}
        headers["Content-Type"] = "application/activity+json"
        return client.post(inbox, data=body, headers=headers)


def fresh_fetch_time(actor_id):
    """Mark a cached actor as fetched just now (a failing key is not refetched then)."""
    RemoteActor.objects(actor_id=actor_id).update_one(set__fetched_at=utcnow())
