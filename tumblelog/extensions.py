"""Flask extensions, created unbound here and bound to an app in ``create_app``."""
from flask_bcrypt import Bcrypt
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mongoengine import MongoEngine
from flask_wtf.csrf import CSRFProtect

from .ratelimit import client_ip

db = MongoEngine()
bcrypt = Bcrypt()
compress = Compress()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to do that."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"
# No default limits: each limited view names its own (see ratelimit.py).
# A moving window has no boundary at which a burst of twice the limit gets through.
limiter = Limiter(key_func=client_ip, headers_enabled=True, strategy="moving-window")
