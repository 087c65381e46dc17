"""Forms: sign-up and sign-in, comments, and one post form per post type.

Post forms validate with the same functions the models use (``parse_tags``,
``parse_video_url``, ``http_url_error``), so a rule is written once; the form's part
is to say what is wrong next to the field.
"""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    NumberRange,
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
    CAPTION_MAX,
    COMMENT_MAX,
    NAME_MAX,
    QUOTE_MAX,
    SOURCE_MAX,
    TITLE_MAX,
    URL_MAX,
    USERNAME_PATTERN,
    User,
    http_url_error,
    utcnow,
)
from .images import ImageError, process_image
from .publishing import (
    FORM_STATES,
    LOCAL_TIME_MAX,
    MAX_PER_DAY,
    MAX_UTC_OFFSET,
    SCHEDULE_AHEAD,
    SCHEDULED,
    STATE_VERBS,
    parse_local_time,
)
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
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )

    def validate_username(self, field):
        if User.by_username(field.data):
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


class UtcOffsetField(HiddenField):
    """The browser's distance from UTC in minutes east (tumblelog.js fills it in);
    0, UTC, when the page ran without JavaScript."""

    def process_formdata(self, valuelist):
        raw = valuelist[0].strip() if valuelist else ""
        try:
            self.data = int(raw) if raw else 0
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if self.data is None or abs(self.data) > MAX_UTC_OFFSET:
            raise ValidationError("Not a time zone offset.")


class PublishingForm(FlaskForm):
    """When a post goes out and who sees it: part of every post form. ``publish_at`` is
    the blogger's local time (``utc_offset`` says which, else UTC) or carries its own
    offset; ``publish_moment`` holds it in UTC once valid."""

    PUBLISHING_FIELDS = ("state", "publish_at", "utc_offset", "visibility")

    state = SelectField(
        "Publish",
        choices=[SelectChoice("publish", "Publish now"), SelectChoice("draft", "Save as draft"),
                 SelectChoice("queue", "Add to queue"), SelectChoice("schedule", "Schedule for…")],
        default="publish",
    )
    publish_at = StringField(
        "Publish at",
        filters=[strip_text],
        validators=[Length(max=LOCAL_TIME_MAX)],
        description="With “Schedule for…”: your local time (UTC when JavaScript is off).",
        render_kw={"type": "datetime-local"},
    )
    utc_offset = UtcOffsetField()
    visibility = SelectField(
        "Who sees it",
        choices=[SelectChoice("public", "Everyone"),
                 SelectChoice("unlisted", "Anyone with the link (left out of lists)"),
                 SelectChoice("private", "Only me")],
        default="public",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.publish_moment = None
        post = kwargs.get("obj")
        if post is not None:
            # The stored state ("published") as the form's verb ("publish"); a scheduled
            # post's time in UTC (the browser shows it in local time).
            if self.state.data not in FORM_STATES:  # the stored state, not the form's choice
                self.state.data = STATE_VERBS[post.current_state]
            if post.is_live():
                self.state.choices[0] = SelectChoice("publish", "Published (keep)")
            if not self.publish_at.data and post.state == SCHEDULED and post.published_at:
                self.publish_at.data = post.published_at.strftime("%Y-%m-%dT%H:%M")

    def validate_publish_at(self, field):
        if self.state.data != "schedule":
            return
        if not field.data:
            raise ValidationError("Say when to publish it.")
        try:
            moment = parse_local_time(field.data, self.utc_offset.data or 0)
        except (ValueError, OverflowError):
            raise ValidationError("Give a date and time, e.g. 2026-12-24T09:30.") from None
        now = utcnow()
        if moment <= now:
            raise ValidationError("Pick a time in the future, or publish now.")
        if moment > now + SCHEDULE_AHEAD:
            raise ValidationError("Pick a time within the next five years.")
        self.publish_moment = moment

    def apply_publishing(self, post):
        """Set ``post``'s visibility and move it to the chosen state."""
        post.visibility = self.visibility.data
        post.set_state(FORM_STATES[self.state.data], self.publish_moment)


class PostForm(PublishingForm):
    """What every post form has; subclasses add the fields of one post type."""

    tags = TagListField("Tags", description="Separated by commas, e.g. python, travel")

    def content_fields(self):
        """The fields a user fills in, tags last (the CSRF token and the publishing
        choices are not content)."""
        skip = ("csrf_token", "tags", *self.PUBLISHING_FIELDS)
        fields = [field for field in self if field.name not in skip]
        return fields + [self.tags]

    def publishing_fields(self):
        return [self[name] for name in self.PUBLISHING_FIELDS]

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


class QueueSettingsForm(FlaskForm):
    """How many queued posts go out a day, and between which hours of the blogger's day."""

    per_day = IntegerField("Posts a day", validators=[DataRequired(), NumberRange(min=1, max=MAX_PER_DAY)])
    start_hour = IntegerField("From (hour)", validators=[Optional(), NumberRange(min=0, max=23)], default=0)
    end_hour = IntegerField("Until (hour)", validators=[DataRequired(), NumberRange(min=1, max=24)])
    utc_offset = UtcOffsetField()

    def validate_end_hour(self, field):
        if self.start_hour.data is not None and field.data == self.start_hour.data:
            raise ValidationError("The window must be at least an hour long.")
