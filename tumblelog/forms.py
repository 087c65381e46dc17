"""Forms: sign-up and sign-in, comments, and one post form per post type.

Post forms validate with the same functions the models use (``parse_tags``,
``parse_video_url``, ``http_url_error``), so a rule is written once; the form's part
is to say what is wrong next to the field.
"""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from .embeds import VideoURLError, parse_video_url
from .markup import MAX_MARKDOWN_LENGTH
from .models import (
    ALT_MAX,
    BIO_MAX,
    BLOG_DESCRIPTION_MAX,
    CAPTION_MAX,
    COMMENT_MAX,
    NAME_MAX,
    QUOTE_MAX,
    SOURCE_MAX,
    TITLE_MAX,
    URL_MAX,
    USERNAME_PATTERN,
    RetiredUsername,
    User,
    http_url_error,
)
from .images import ImageError, avatar, process_image
from .spam import form_time_token
from .tags import TagError, parse_tags

PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # long passphrases are welcome; megabytes of "password" are not


def form_status(form):
    """422 for a form sent back with errors, 200 for a fresh one."""
    return 422 if form.errors else 200


def strip_text(value):
    """Trim surrounding white space from text input (None stays None)."""
    return value.strip() if isinstance(value, str) else value


def new_password_fields(label="New password", confirm_label="Repeat new password"):
    """``password`` and ``confirm``, as sign-up, reset and settings ask for them."""
    return (
        PasswordField(label, validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]),
        PasswordField(
            confirm_label,
            validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
        ),
    )


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        filters=[strip_text],
        validators=[
            DataRequired(),
            Regexp(
                USERNAME_PATTERN,
                message="3–32 characters: letters, digits, '_' or '-', starting with a letter or digit.",
            ),
        ],
    )
    email = StringField(
        "Email", filters=[strip_text], validators=[DataRequired(), Email(), Length(max=254)]
    )
    password, confirm = new_password_fields("Password", "Repeat password")

    def validate_username(self, field):
        if User.by_username(field.data) or RetiredUsername.is_retired(field.data):
            raise ValidationError("That username is taken.")

    def validate_email(self, field):
        if User.objects(email=field.data.lower()).first():
            raise ValidationError("An account with that email already exists.")


class LoginForm(FlaskForm):
    username = StringField("Username", filters=[strip_text], validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Keep me signed in")


class CommentForm(FlaskForm):
    """``name`` is asked of readers who are not signed in; the view enforces it."""

    name = StringField("Your name", filters=[strip_text], validators=[Optional(), Length(max=NAME_MAX)])
    body = TextAreaField(
        "Comment", filters=[strip_text], validators=[DataRequired(), Length(max=COMMENT_MAX)]
    )
    # Spam traps (see spam.py): a field only bots fill in, and when the form was shown.
    website = StringField("Leave this field empty", validators=[Length(max=NAME_MAX)])
    rendered = HiddenField(default=form_time_token)


class TagListField(StringField):
    """Comma-separated tags in the form, a normalised list in ``data``."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else ""

    def pre_validate(self, form):
        try:
            self.data = parse_tags(self.data or "")
        except TagError as error:
            raise ValidationError(str(error)) from error


class PostForm(FlaskForm):
    """What every post form has; subclasses add the fields of one post type."""

    tags = TagListField("Tags", description="Separated by commas, e.g. python, travel")

    def content_fields(self):
        """The fields a user fills in, tags last (the CSRF token is not content)."""
        fields = [field for field in self if field.name not in ("csrf_token", "tags")]
        return fields + [self.tags]

    def apply_to(self, post):
        """Copy the validated fields onto ``post``."""
        for field in self.content_fields():
            setattr(post, field.name, field.data)


def http_url(form, field):
    """Validator: an absolute http(s) link."""
    error = http_url_error(field.data or "")
    if error:
        raise ValidationError(error)


class BlogPostForm(PostForm):
    title = StringField("Title", filters=[strip_text], validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(
        "Text",
        description="Markdown: **bold**, _italic_, [link](https://…), lists, `code`.",
        validators=[DataRequired(), Length(max=MAX_MARKDOWN_LENGTH)],
    )


class ImagePostForm(PostForm):
    """An upload or a link (one is required; an upload wins). An accepted upload is
    re-encoded during validation and waits in ``upload`` until the view saves it."""

    image = FileField(
        "Upload an image",
        description="PNG, JPEG, GIF or WebP, up to 10 MB.",
        # A hint for the file picker only; the bytes decide (images.process_image).
        render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
    )
    image_url = StringField(
        "…or link to an image", filters=[strip_text], validators=[Optional(), Length(max=URL_MAX), http_url]
    )
    alt = StringField(
        "Alt text",
        filters=[strip_text],
        description="Describe the image for people who cannot see it (the caption if left empty).",
        validators=[Length(max=ALT_MAX)],
    )
    caption = TextAreaField("Caption", filters=[strip_text], validators=[Length(max=CAPTION_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        post = kwargs.get("obj")
        self.has_file = bool(post and post.image_file)
        self.upload = None
        if self.has_file:
            self.image.description = "Leave empty to keep the current image. " + self.image.description

    def validate_image(self, field):
        if field.data:
            try:
                self.upload = process_image(field.data.stream)
            except ImageError as error:
                raise ValidationError(str(error)) from error

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and not (self.upload or self.image_url.data or self.has_file):
            self.image_url.errors.append("Upload an image or give a link to one: one of the two is required.")
            return False
        return valid

    def apply_to(self, post):
        for field in self.content_fields():
            if field is not self.image:
                setattr(post, field.name, field.data)
        if self.upload:
            post.attach_upload(self.upload)
        elif self.image_url.data:
            post.image_file = post.thumb_file = post.width = post.height = None


class VideoPostForm(PostForm):
    video_url = StringField(
        "YouTube or Vimeo link",
        filters=[strip_text],
        validators=[DataRequired(), Length(max=URL_MAX)],
    )
    caption = TextAreaField("Caption", filters=[strip_text], validators=[Length(max=CAPTION_MAX)])

    def validate_video_url(self, field):
        try:
            parse_video_url(field.data)
        except VideoURLError as error:
            raise ValidationError(str(error)) from error


class QuotePostForm(PostForm):
    quote = TextAreaField("Quote", filters=[strip_text], validators=[DataRequired(), Length(max=QUOTE_MAX)])
    source = StringField("Source", filters=[strip_text], validators=[Length(max=SOURCE_MAX)])


POST_FORMS = {
    "blog": BlogPostForm,
    "image": ImagePostForm,
    "video": VideoPostForm,
    "quote": QuotePostForm,
}


class ResetRequestForm(FlaskForm):
    email = StringField("Email", filters=[strip_text], validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class CurrentPasswordMixin:
    """Asks for the current password; ``check_current`` says whether it matched."""

    def check_current(self, user):
        if user.check_password(self.current_password.data or ""):
            return True
        self.current_password.errors.append("That is not your current password.")
        return False


class PasswordChangeForm(CurrentPasswordMixin, FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    password, confirm = new_password_fields()


class EmailChangeForm(CurrentPasswordMixin, FlaskForm):
    email = StringField("New email", filters=[strip_text], validators=[DataRequired(), Email(), Length(max=254)])
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])

    def validate_email(self, field):
        if User.objects(email=field.data.lower()).first():
            raise ValidationError("An account with that email already exists.")


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Display name", filters=[strip_text], description="Shown beside your username.",
        validators=[Length(max=NAME_MAX)],
    )
    bio = TextAreaField("About you", filters=[strip_text], description="Plain text.", validators=[Length(max=BIO_MAX)])
    avatar = FileField(
        "Avatar", description="PNG, JPEG, GIF or WebP; cropped to a square.",
        render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
    )
    blog_title = StringField("Blog title", filters=[strip_text], validators=[Length(max=TITLE_MAX)])
    blog_description = TextAreaField(
        "Blog description", filters=[strip_text], description="Plain text, shown on your blog and in its feed.",
        validators=[Length(max=BLOG_DESCRIPTION_MAX)],
    )
    PROFILE = ("display_name", "bio", "blog_title", "blog_description")

    def validate_avatar(self, field):
        self.upload = None
        if field.data:
            try:
                self.upload = avatar(field.data.stream)
            except ImageError as error:
                raise ValidationError(str(error)) from error


class DigestForm(FlaskForm):
    digest = BooleanField("Send me a weekly digest of new posts from the tags and bloggers I follow")


class TokenForm(FlaskForm):
    name = StringField(
        "Token name", filters=[strip_text], description="What it is for, e.g. “phone app”.",
        validators=[DataRequired(), Length(max=NAME_MAX)],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
