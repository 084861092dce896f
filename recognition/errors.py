"""Typed recognition errors: callers map each to a clear, localized message."""

from __future__ import annotations


class RecognitionError(Exception):
    """Base of every error the recognition core raises on bad input or load."""

    code = "recognition_error"


class ImageError(RecognitionError):
    """The bytes are not a usable image."""

    code = "image_error"


class EmptyImage(ImageError):
    code = "image_empty"


class CorruptImage(ImageError):
    """Truncated or damaged file of a known format."""

    code = "image_corrupt"


class NotAnImage(ImageError):
    code = "image_not_an_image"


class ImageTooLarge(ImageError):
    """More pixels than the configured limit (a decompression bomb) or absurd sides."""

    code = "image_too_large"


class ImageTooSmall(ImageError):
    code = "image_too_small"


class FaceError(RecognitionError):
    code = "face_error"


class NoFace(FaceError):
    code = "face_none"


class SeveralFaces(FaceError):
    code = "face_several"


class FaceTooSmall(FaceError):
    code = "face_too_small"


class FaceBlurred(FaceError):
    code = "face_blurred"


class FacePose(FaceError):
    """Landmarks say the face is turned away or distorted."""

    code = "face_pose"


class Overloaded(RecognitionError):
    """The bounded work queue is full: the caller should retry later."""

    code = "overloaded"


class BackendUnavailable(RecognitionError):
    """A configured backend cannot load (missing model files, missing library)."""

    code = "backend_unavailable"
