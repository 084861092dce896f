"""Typed recognition errors: callers map each to a clear, localized message.

Every error has a stable `code` (what a caller keys its message on). For a bad upload:

    image_empty               zero bytes
    image_not_an_image        no image format recognised (a text file, a PDF, random bytes)
    image_unsupported_format  an image, but of a format this call does not take (an icon, a
                              PSD; a GIF or BMP where the photo store keeps JPEG/PNG/WebP only)
    image_corrupt             a known format, but truncated or damaged: it cannot be decoded
    image_too_large           more pixels than the configured limit, or an absurd side
    image_too_small           a side under the minimum (16 px; a caller may ask for more)
    image_blank               decodes fine but shows nothing: near-uniform (a blank GIF, a
                              covered lens, a white sheet)
"""

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


class UnsupportedFormat(NotAnImage):
    """An image of a format this call does not take (a subclass: it is no usable image)."""

    code = "image_unsupported_format"


class ImageTooLarge(ImageError):
    """More pixels than the configured limit (a decompression bomb) or absurd sides."""

    code = "image_too_large"


class ImageTooSmall(ImageError):
    code = "image_too_small"


class BlankImage(ImageError):
    """Near-uniform pixels: nothing to read, and "out of focus" would be the wrong advice."""

    code = "image_blank"


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
