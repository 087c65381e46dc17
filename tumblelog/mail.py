"""Mail: every message is rendered from two templates, ``mail/<name>.txt`` and
``mail/<name>.html``, and sent by the ``deliver_mail`` task (tasks.py) through Flask-Mail.

``MAIL_SERVER`` unset (the embedded default) writes each mail to the log in full, so a
``make run`` user can follow a password-reset link from the terminal. Sending goes
through the queue: when the broker is down ``send`` returns False and the view says
the mail could not be sent, never a 500.
"""
import logging
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_mail import Message

from .extensions import mail
from .i18n import shipped

log = logging.getLogger(__name__)


def compose(name, to, subject, headers=None, **context):
    """Render the mail ``name`` for the address ``to``: a plain dict, so it can travel
    through the queue. Its Message-ID is fixed here, so a retried send is recognisably
    the same mail. It speaks its reader's language (``subject`` may be a lazy string):
    the account's (``user``) setting, else the page's that sent it."""
    with force_locale(recipient_locale(context.get("user"))):
        subject = str(subject)
        context = {"subject": subject, **context}
        return {
            "to": to,
            "subject": subject,
            "text": render_template(f"mail/{name}.txt", **context),
            "html": render_template(f"mail/{name}.html", **context),
            "headers": {"Message-ID": make_msgid(domain="tumblelog"), **(headers or {})},
        }


def recipient_locale(user):
    """The language of a mail to ``user``: their setting, else this request's."""
    return shipped(getattr(user, "locale", None)) or str(get_locale() or current_app.config["DEFAULT_LOCALE"])


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
