"""Personal data kept sealed, only as long as allowed, readable and erasable per person."""

from core.services.privacy.sealing import SealReport, pending, seal_stored_data

__all__ = ["SealReport", "pending", "seal_stored_data"]
