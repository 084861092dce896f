"""Recognition core: QR codes, Chinese plates and faces behind one async facade.

Import the facade from here (`from recognition import RecognitionCore, RecognitionConfig`);
the feature packages (`recognition.qr`, `recognition.plates`, `recognition.faces`) hold the
Protocols and backends. No module here imports telegram or aiohttp.
"""

from recognition.checks import CardScan, DocumentCheck
from recognition.config import RecognitionConfig
from recognition.core import Candidate, FaceInfo, IdentifiedFace, PlateResult, RecognitionCore
from recognition.errors import (
    BackendUnavailable,
    BlankImage,
    CorruptImage,
    EmptyImage,
    FaceBlurred,
    FaceError,
    FacePose,
    FaceTooSmall,
    ImageError,
    ImageTooLarge,
    ImageTooSmall,
    NoFace,
    NotAnImage,
    Overloaded,
    RecognitionError,
    SeveralFaces,
    UnsupportedFormat,
)
from recognition.plates import (
    PlateMatch,
    PlateReader,
    PlateReading,
    PlateResolution,
    normalize_plate,
    plate_matches,
    resolve_plate,
)
from recognition.qr import QrDecoder, decode_qr_bytes

__all__ = [
    "BackendUnavailable",
    "BlankImage",
    "Candidate",
    "CardScan",
    "CorruptImage",
    "DocumentCheck",
    "EmptyImage",
    "FaceBlurred",
    "FaceError",
    "FaceInfo",
    "FacePose",
    "FaceTooSmall",
    "IdentifiedFace",
    "ImageError",
    "ImageTooLarge",
    "ImageTooSmall",
    "NoFace",
    "NotAnImage",
    "Overloaded",
    "PlateMatch",
    "PlateReader",
    "PlateReading",
    "PlateResolution",
    "PlateResult",
    "QrDecoder",
    "RecognitionConfig",
    "RecognitionCore",
    "RecognitionError",
    "SeveralFaces",
    "UnsupportedFormat",
    "decode_qr_bytes",
    "normalize_plate",
    "plate_matches",
    "resolve_plate",
]
