"""Rate limits on every API request: per address, and per token for requests that
carry one (a token used from many addresses is still one client).

Over a limit the answer is 429, as JSON like every API error, with ``Retry-After``.
The limits come from the config (``RATELIMIT_API``, ``RATELIMIT_API_TOKEN``); token
requests and comments also have the site's own limits (see tokens.py, comments.py).
"""
from ..extensions import limiter
from ..ratelimit import client_ip, config_limit
from . import bp
from .tokens import bearer_token, token_key

limiter.shared_limit(config_limit("RATELIMIT_API"), scope="api-address", key_func=client_ip)(bp)
limiter.shared_limit(
    config_limit("RATELIMIT_API_TOKEN"),
    scope="api-token",
    key_func=token_key,
    exempt_when=lambda: bearer_token() is None,
)(bp)
