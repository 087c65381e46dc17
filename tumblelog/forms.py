"""Forms: sign-up and sign-in, comments, and one post form per post type.

Post forms validate with the same functions the models use (``parse_tags``,
``parse_video_url``, ``http_url_error``), so a rule is written once; the form's part
is to say what is wrong next to the field.
"""
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from mongoengine import ValidationError as ModelValidationError
from wtforms import (
    BooleanField,
    FileField as AnyFileField,
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

from .audio import TOO_LARGE as TOO_LARGE_AUDIO, MAX_AUDIO_BYTES, AudioError, check_audio
from .embeds import VideoURLError, parse_audio_url, parse_video_url
from .markup import MAX_MARKDOWN_LENGTH
from .models import (
    ALT_MAX,
    BIO_MAX,
    BLOG_DESCRIPTION_MAX,
    CAPTION_MAX,
    CHAT_LINE_MAX,
    CHAT_LINES_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    NAME_MAX,
    PHOTOS_MAX,
    PHOTOS_MIN,
    QUOTE_MAX,
    SOURCE_MAX,
    TITLE_MAX,
    URL_MAX,
    USERNAME_PATTERN,
    AudioPost,
    BlogPost,
    ChatPost,
    ImagePost,
    LinkPost,
    Photo,
    PhotosetPost,
    QuotePost,
    User,
    VideoPost,
    http_url_error,
    parse_dialogue,
    parse_layout,
    utcnow,
)
from .images import ImageError, process_image
from .images import avatar as square_avatar
from .notes import REBLOG_COMMENT_MAX, Reblog
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
        if User.name_is_claimed(field.data):
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

    def validate_name(self, field):
        # Only a guest's name is shown; a signed-in reader comments as their account.
        if current_user.is_anonymous and User.name_is_claimed(field.data):
            raise ValidationError(
                f"“{field.data}” is the name of an account here. Sign in to comment as them, or use another name."
            )


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
            if not self.state.raw_data:  # the stored state ("queued"), not the form's choice
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
    """What every post form has; a subclass adds the fields of one post type and names
    that type's class as its ``model``, which makes it the type's form everywhere."""

    model = None
    # Text fields that are not copied onto the post as they are (``apply_to`` of the
    # subclass turns them into something else).
    converted_fields = ()
    # A type that takes large uploads raises the request size limit on its own pages
    # (see blog.post_form); None keeps the app's MAX_CONTENT_LENGTH.
    max_content_length = None
    too_large = None  # what the 413 page says then

    tags = TagListField("Tags", description="Separated by commas, e.g. python, travel")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("model") is not None:
            cls.model.form_class = cls

    def content_fields(self):
        """The fields a user fills in, tags last (the CSRF token and the publishing
        choices are not content)."""
        skip = ("csrf_token", "tags", *self.PUBLISHING_FIELDS)
        fields = [field for field in self if field.name not in skip]
        return fields + [self.tags]

    def text_fields(self):
        """The content fields that are text, not file uploads (all the JSON API takes)."""
        return [field for field in self.content_fields() if not isinstance(field, AnyFileField)]

    def publishing_fields(self):
        return [self[name] for name in self.PUBLISHING_FIELDS]

    def apply_to(self, post):
        """Copy the validated text fields onto ``post``; forms with uploads add theirs."""
        for field in self.text_fields():
            if field.name not in self.converted_fields:
                setattr(post, field.name, field.data)

    def save(self, post):
        """Save ``post`` with its files, in the state the form chose; a model-level
        refusal becomes an error on the form's field (or on the tags, when no field
        matches). True when saved."""
        try:
            self.apply_publishing(post)
            post.save_with_media()
        except ModelValidationError as error:
            for field_name, field_error in (error.errors or {error.field_name or "tags": error.message}).items():
                # A refusal from clean() comes under "__all__"; it names its field itself.
                field_name = getattr(field_error, "field_name", None) or field_name
                field = self[field_name] if field_name in self else self.tags
                field.errors.append(str(getattr(field_error, "message", field_error)))
            return False
        return True


def http_url(form, field):
    """Validator: an absolute http(s) link."""
    error = http_url_error(field.data or "")
    if error:
        raise ValidationError(error)


class ImageFileField(FileField):
    """An optional image upload, checked and re-encoded during validation by ``process``
    (``images.process_image``, or ``images.avatar`` for a square avatar); the accepted
    image waits in ``upload`` until saved."""

    upload = None

    def __init__(self, *args, process=process_image, **kwargs):
        super().__init__(*args, **kwargs)
        self.process_upload = process  # not ``process``: that is a Field method

    def pre_validate(self, form):
        self.upload = None
        if self.data:
            try:
                self.upload = self.process_upload(self.data.stream)
            except ImageError as error:
                raise ValidationError(str(error)) from error


class LinesField(TextAreaField):
    """Text with one item a line; ``data`` is the list of lines (at most ``max_lines``,
    each stripped). ``keep_blank`` keeps empty lines inside the list, where a line's
    place matters (one alt text per image, in order)."""

    def __init__(self, *args, max_lines, max_length, keep_blank=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_lines, self.max_length, self.keep_blank = max_lines, max_length, keep_blank

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "\n".join(str(item) for item in self.data or [])

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else ""

    def pre_validate(self, form):
        if isinstance(self.data, list):  # from the stored post, not typed
            return
        lines = [line.strip() for line in (self.data or "").splitlines()]
        if not self.keep_blank:
            lines = [line for line in lines if line]
        while lines and not lines[-1]:
            lines.pop()
        self.data = lines
        if len(lines) > self.max_lines:
            raise ValidationError(f"Give at most {self.max_lines} lines.")
        if any(len(line) > self.max_length for line in lines):
            raise ValidationError(f"A line can have at most {self.max_length} characters.")


class DialogueField(LinesField):
    """A chat as ``Name: words`` lines; ``data`` is the list of ``ChatLine``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_lines=CHAT_LINES_MAX, max_length=CHAT_LINE_MAX, **kwargs)

    def pre_validate(self, form):
        if isinstance(self.data, list):
            return
        if len(self.data or "") > CHAT_LINES_MAX * (CHAT_LINE_MAX + NAME_MAX):
            raise ValidationError("That chat is too long.")
        try:
            self.data = parse_dialogue(self.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error
        if not self.data:
            raise ValidationError("Write at least one line, such as “Ann: Hello!”.")


class BlogPostForm(PostForm):
    model = BlogPost
    title = StringField("Title", filters=[strip_text], validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(
        "Text",
        description="Markdown: **bold**, _italic_, [link](https://…), lists, `code`.",
        validators=[DataRequired(), Length(max=MAX_MARKDOWN_LENGTH)],
    )


IMAGE_ACCEPT = {"accept": "image/png,image/jpeg,image/gif,image/webp"}


class ImagePostForm(PostForm):
    """An upload or a link (one is required; an upload wins). An accepted upload is
    re-encoded during validation and waits until the view saves it."""

    model = ImagePost
    image = ImageFileField(
        "Upload an image",
        description="PNG, JPEG, GIF or WebP, up to 10 MB.",
        # A hint for the file picker only; the bytes decide (images.process_image).
        render_kw=IMAGE_ACCEPT,
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
        if self.has_file:
            self.image.description = "Leave empty to keep the current image. " + self.image.description

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and not (self.image.upload or self.image_url.data or self.has_file):
            self.image_url.errors.append("Upload an image or give a link to one: one of the two is required.")
            return False
        return valid

    def apply_to(self, post):
        super().apply_to(post)
        if self.image.upload:
            post.attach_upload(self.image.upload)
        elif self.image_url.data:
            post.image_file = post.thumb_file = post.width = post.height = None
            post.webp_files = []


class VideoPostForm(PostForm):
    model = VideoPost
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
    model = QuotePost
    quote = TextAreaField("Quote", filters=[strip_text], validators=[DataRequired(), Length(max=QUOTE_MAX)])
    source = StringField("Source", filters=[strip_text], validators=[Length(max=SOURCE_MAX)])


class LinkPostForm(PostForm):
    model = LinkPost
    url = StringField(
        "Link", filters=[strip_text], validators=[DataRequired(), Length(max=URL_MAX), http_url],
        render_kw={"type": "url"},
    )
    title = StringField("Title", filters=[strip_text], validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(
        "Description", filters=[strip_text], validators=[Length(max=DESCRIPTION_MAX)],
        description="Optional. Markdown: **bold**, _italic_, [link](https://…).",
    )
    thumbnail = ImageFileField(
        "Thumbnail", description="Optional: a PNG, JPEG, GIF or WebP picture for the link.", render_kw=IMAGE_ACCEPT
    )

    def apply_to(self, post):
        super().apply_to(post)
        if self.thumbnail.upload:
            post.attach_upload(self.thumbnail.upload)


class AudioPostForm(PostForm):
    """An audio upload or a SoundCloud / Bandcamp link (one is required; the upload
    wins), with an optional cover picture."""

    model = AudioPost
    max_content_length = MAX_AUDIO_BYTES + 1024 * 1024  # the file and the form around it
    too_large = TOO_LARGE_AUDIO
    audio = FileField(
        "Upload audio",
        description="MP3, Ogg, M4A/AAC, FLAC or WAV, up to 50 MB.",
        render_kw={"accept": "audio/*"},  # a hint for the picker; the bytes decide
    )
    audio_url = StringField(
        "…or a SoundCloud or Bandcamp link", filters=[strip_text], validators=[Optional(), Length(max=URL_MAX)]
    )
    track = StringField("Track", filters=[strip_text], validators=[Length(max=TITLE_MAX)])
    artist = StringField("Artist", filters=[strip_text], validators=[Length(max=NAME_MAX * 2)])
    cover = ImageFileField("Cover picture", description="Optional.", render_kw=IMAGE_ACCEPT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        post = kwargs.get("obj")
        self.has_file = bool(post and post.audio_file)
        self.upload = None
        if self.has_file:
            self.audio.description = "Leave empty to keep the current file. " + self.audio.description

    def validate_audio(self, field):
        if field.data:
            try:
                self.upload = check_audio(field.data.stream)
            except AudioError as error:
                raise ValidationError(str(error)) from error

    def validate_audio_url(self, field):
        if field.data:
            try:
                parse_audio_url(field.data)
            except VideoURLError as error:
                raise ValidationError(str(error)) from error

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and not (self.upload or self.audio_url.data or self.has_file):
            self.audio_url.errors.append("Upload an audio file or give a link: one of the two is required.")
            return False
        return valid

    def apply_to(self, post):
        super().apply_to(post)
        if self.upload:
            post.attach_audio(self.upload)
        elif self.audio_url.data:
            post.audio_file = post.audio_type = None
        if self.cover.upload:
            post.attach_upload(self.cover.upload)


class ChatPostForm(PostForm):
    model = ChatPost
    title = StringField("Title", filters=[strip_text], validators=[Length(max=TITLE_MAX)])
    dialogue = DialogueField(
        "Dialogue",
        description=f"One line each, as “Name: what they said” (a line without a name is fine); "
        f"up to {CHAT_LINES_MAX} lines.",
    )


class PhotosetPostForm(PostForm):
    """2–10 images from uploads and/or links, one alt text a line in the same order.

    Editing shows every image as a link (uploads as their address on this blog):
    reordering the lines reorders the set, deleting one drops it.
    """

    model = PhotosetPost
    converted_fields = ("photo_urls", "alts")
    max_content_length = 50 * 1024 * 1024
    too_large = "A photoset can upload at most 50 MB at once; add the rest when editing."
    photos = MultipleFileField(
        "Upload images", description=f"PNG, JPEG, GIF or WebP; {PHOTOS_MIN} to {PHOTOS_MAX} images in all.",
        render_kw=IMAGE_ACCEPT,
    )
    photo_urls = LinesField(
        "…and/or image links", max_lines=PHOTOS_MAX, max_length=URL_MAX, filters=[strip_text],
        description="One link a line; uploads come after them.",
    )
    alts = LinesField(
        "Alt texts", max_lines=PHOTOS_MAX, max_length=ALT_MAX, keep_blank=True,
        description="One a line, in the order of the images: describe each for people who cannot see it.",
    )
    caption = TextAreaField("Caption", filters=[strip_text], validators=[Length(max=CAPTION_MAX)])
    layout = StringField(
        "Layout", filters=[strip_text], validators=[Length(max=40)],
        description="Images per row, 1 to 3, e.g. 1-2-2. Empty: one wide image, then pairs.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        post = kwargs.get("obj")
        # The post's uploads by the addresses the edit form shows them at.
        self.kept = {}
        for photo in post.photos if post else ():
            if photo.file:
                self.kept[photo.src(external=True)] = self.kept[photo.src()] = photo
        self.uploads = []

    def validate_photos(self, field):
        files = [upload for upload in field.data or [] if getattr(upload, "filename", None)]
        if len(files) > PHOTOS_MAX:
            raise ValidationError(f"Upload at most {PHOTOS_MAX} images.")
        for number, upload in enumerate(files, start=1):
            try:
                self.uploads.append(process_image(upload.stream))
            except ImageError as error:
                raise ValidationError(f"Image {number}: {error}") from error

    def validate_photo_urls(self, field):
        for line in field.data:
            error = None if line in self.kept else http_url_error(line)
            if error:
                raise ValidationError(f"{line[:80]}: {error}")

    def validate(self, extra_validators=None):
        self.uploads = []  # filled by validate_photos
        if not super().validate(extra_validators):
            return False
        count = len(self.photo_urls.data) + len(self.uploads)
        if not PHOTOS_MIN <= count <= PHOTOS_MAX:
            self.photos.errors.append(f"A photoset has {PHOTOS_MIN} to {PHOTOS_MAX} images; this one has {count}.")
            return False
        if len(self.alts.data) > count:
            self.alts.errors.append(f"There are more alt texts ({len(self.alts.data)}) than images ({count}).")
            return False
        try:
            parse_layout(self.layout.data, count)
        except ValueError as error:
            self.layout.errors.append(str(error))
            return False
        return True

    def apply_to(self, post):
        super().apply_to(post)
        photos = [self.kept.get(line) or Photo(url=line) for line in self.photo_urls.data]
        photos += [post.photo_from_upload(upload) for upload in self.uploads]
        alts = self.alts.data + [""] * len(photos)
        post.photos = [Photo(**{**photo.to_mongo().to_dict(), "alt": alt}) for photo, alt in zip(photos, alts)]


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
    avatar = ImageFileField(
        "Avatar", process=square_avatar, description="PNG, JPEG, GIF or WebP; cropped to a square.", render_kw=IMAGE_ACCEPT
    )
    blog_title = StringField("Blog title", filters=[strip_text], validators=[Length(max=TITLE_MAX)])
    blog_description = TextAreaField(
        "Blog description", filters=[strip_text], description="Plain text, shown on your blog and in its feed.",
        validators=[Length(max=BLOG_DESCRIPTION_MAX)],
    )
    PROFILE = ("display_name", "bio", "blog_title", "blog_description")


class DigestForm(FlaskForm):
    digest = BooleanField("Send me a weekly digest of new posts from the tags and bloggers I follow")


class TokenForm(FlaskForm):
    name = StringField(
        "Token name", filters=[strip_text], description="What it is for, e.g. “phone app”.",
        validators=[DataRequired(), Length(max=NAME_MAX)],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
class QueueSettingsForm(FlaskForm):
    """How many queued posts go out a day, and between which hours of the blogger's day."""

    per_day = IntegerField("Posts a day", validators=[DataRequired(), NumberRange(min=1, max=MAX_PER_DAY)])
    start_hour = IntegerField("From (hour)", validators=[Optional(), NumberRange(min=0, max=23)], default=0)
    end_hour = IntegerField("Until (hour)", validators=[DataRequired(), NumberRange(min=1, max=24)])
    utc_offset = UtcOffsetField()

    def validate_end_hour(self, field):
        if self.start_hour.data is not None and field.data == self.start_hour.data:
            raise ValidationError("The window must be at least an hour long.")


class ReblogForm(PostForm):
    """A reblog: the reblogger's own comment (Markdown) and tags. Also edits a reblog,
    whose snapshot of the original never changes."""

    model = Reblog
    comment = TextAreaField(
        "Add a comment (optional)",
        filters=[strip_text],
        description="Markdown; @name tells that blogger.",
        validators=[Optional(), Length(max=REBLOG_COMMENT_MAX)],
    )
