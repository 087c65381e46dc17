"""Uploaded audio: the format decided from the file's first bytes, never its name.

Audio is stored as it came (re-encoding it would take seconds of CPU per upload);
what keeps it safe is that only a file whose bytes start like one of the formats
below is accepted, and that it is served with that format's content type and
``nosniff``, so no browser reads it as a page or a script.
"""
from dataclasses import dataclass

MAX_AUDIO_BYTES = 50 * 1024 * 1024
# content type → file extension, for the formats a browser's <audio> plays.
EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/flac": "flac",
    "audio/wav": "wav",
}
NOT_AUDIO = "Upload an MP3, Ogg (Opus or Vorbis), M4A/AAC, FLAC or WAV file."
TOO_LARGE = f"An audio file can be at most {MAX_AUDIO_BYTES // (1024 * 1024)} MB."
HEADER_BYTES = 64
# The codecs an Ogg file's first packet may announce: audio ones only (no Theora video).
_OGG_AUDIO = (b"OpusHead", b"\x01vorbis", b"\x7fFLAC")
# MP4 brands of audio files (iTunes' M4A/M4B, and the general ones encoders write).
_MP4_BRANDS = (b"M4A ", b"M4B ", b"mp42", b"isom", b"iso2", b"dash")


class AudioError(ValueError):
    """The upload is not audio we accept; the message says why, for the form."""


@dataclass
class AudioUpload:
    """An accepted upload, ready for ``media.store`` (which reads ``data``)."""

    data: object  # the file stream, rewound
    content_type: str


def content_type(head):
    """The content type of audio starting with the bytes ``head``, or None."""
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # An MPEG frame sync; layer bits 00 mean an AAC (ADTS) stream instead.
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return "audio/mp4"
    if head.startswith(b"OggS") and len(head) > 27:
        # The first page's header is 27 bytes and a segment table; the packet follows.
        packet = head[27 + head[26]:]
        if packet.startswith(_OGG_AUDIO):
            return "audio/ogg"
    return None


def check_audio(stream):
    """Accept the upload in ``stream`` (a seekable file) or raise AudioError."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > MAX_AUDIO_BYTES:
        raise AudioError(TOO_LARGE)
    found = content_type(stream.read(HEADER_BYTES))
    stream.seek(0)
    if found is None:
        raise AudioError(NOT_AUDIO)
    return AudioUpload(stream, found)
