"""showup's framework-free redaction package (never imports Django): faces blurred in photos
and videos, children's names taken out of text, public notes moderated.

Modules are imported by name, never from here, so that importing one (names, for a web
request) does not load the face detector or ffmpeg:

    from redaction.names import redact_names
    from redaction.moderation import moderate
    from redaction.photo import redact_photo
    from redaction.video import redact_video
    from redaction.recheck import recheck
"""
