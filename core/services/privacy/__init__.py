"""Personal data kept sealed, only as long as allowed, readable and erasable per person."""

from core.services.privacy.keys import RotationReport, fields_pending, open_vault, rotate
from core.services.privacy.sealing import SealReport, pending, seal_stored_data

__all__ = [
    "RotationReport",
    "SealReport",
    "fields_pending",
    "open_vault",
    "pending",
    "rotate",
    "seal_stored_data",
]
