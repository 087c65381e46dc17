"""Mail: every message is rendered from two templates, ``mail/<name>.txt`` and
``mail/<name>.html``, and sent by the ``deliver_mail`` task (tasks.py) through Flask-Mail.

``MAIL_SERVER`` unset (the embedded default) writes each mail to the log in full, so a
``make run`` user can follow a password-reset link from the terminal. Sending goes
through the queue: when the broker is down ``send`` returns False and the view says
the mail could not be sent, never a 500.
"""
import logging
from dataclasses import dataclass
from email.utils import make_msgid

from flask import current_app, render_template, url_for
from flask_mail import Message
from itsdangerous import BadSignature, URLSafeSerializer

from .extensions import mail

log = logging.getLogger(__name__)


def compose(name, to, subject, headers=None, **context):
    """Render the mail ``name`` for the address ``to``: a plain dict, so it can travel
    through the queue. Its Message-ID is fixed here, so a retried send is recognisably
    the same mail."""
    context = {"subject": subject, **context}
    return {
        "to": to,
        "subject": subject,
        "text": render_template(f"mail/{name}.txt", **context),
        "html": render_template(f"mail/{name}.html", **context),
        "headers": {"Message-ID": make_msgid(domain="tumblelog"), **(headers or {})},
    }


def links_to(base_url=None):
    """A request context whose ``url_for(..., _external=True)`` makes links to
    ``base_url`` (default ``SITE_URL``): for mails composed outside a request, in a task."""
    return current_app.test_request_context(base_url=base_url or current_app.config["SITE_URL"])


def send(name, to, subject, headers=None, **context):
    """Render the mail now (links need this request's host) and queue its delivery.

    Return False when the queue cannot take it: the caller tells the user."""
    from .tasks import deliver_mail, enqueue

    return enqueue(deliver_mail, compose(name, to, subject, headers, **context))


def deliver(message):
    """Send a composed mail with Flask-Mail, or write it to the log when no
    ``MAIL_SERVER`` is configured. SMTP errors propagate: the task retries them."""
    if not current_app.config.get("MAIL_SERVER"):
        log.info(
            "Mail (no MAIL_SERVER set, so it is only logged)\nTo: %s\nSubject: %s\n\n%s",
            message["to"], message["subject"], message["text"],
        )
        return
    mail.send(
        Message(
            subject=message["subject"],
            recipients=[message["to"]],
            body=message["text"],
            html=message["html"],
            extra_headers=message["headers"],
        )
    )


@dataclass(frozen=True)
class Subscription:
    """A kind of mail readers opt in to (the weekly digest, notification mail): the
    ``User`` field that says so, its value once unsubscribed, and the signed link that
    unsubscribes with one click and no sign-in (``/settings/unsubscribe/<token>``)."""

    salt: str
    field: str
    off: object
    what: str  # what the unsubscribe page names: "weekly digests"

    def token(self, user):
        return URLSafeSerializer(current_app.secret_key, salt=self.salt).dumps(str(user.id))

    def headers(self, user):
        """The unsubscribe link, and the headers (RFC 8058) with which mail programs
        show their own one-click "Unsubscribe" button; needs a request context."""
        link = url_for("settings.unsubscribe", token=self.token(user), _external=True)
        return link, {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    def unsubscribe(self, user):
        from .models import User

        User.objects(id=user.id).update_one(**{f"set__{self.field}": self.off})


# Every kind of mail a reader opts in to.
DIGEST = Subscription(salt="digest-unsubscribe", field="digest", off=False, what="weekly digests")
NOTIFICATIONS = Subscription(salt="notification-mail-unsubscribe", field="notification_mail", off="off",
                             what="notification e-mails")
SUBSCRIPTIONS = (DIGEST, NOTIFICATIONS)


def unsubscriber(token):
    """``(subscription, reader)`` that an unsubscribe token names; None for a forged
    token or a deleted account."""
    from .models import User

    for subscription in SUBSCRIPTIONS:
        try:
            user_id = URLSafeSerializer(current_app.secret_key, salt=subscription.salt).loads(token)
        except BadSignature:
            continue
        user = User.objects(id=user_id).first()
        return (subscription, user) if user else None
    return None
