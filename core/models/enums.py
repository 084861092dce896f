"""Closed vocabularies of the domain (code names from the glossary)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    POLICE = "police"
    CADRE = "cadre"
    GUARD = "guard"
    RESIDENT = "resident"


class GroupRole(enum.StrEnum):
    GUARDS = "guards"
    STAFF = "staff"


class HouseKind(enum.StrEnum):
    RENTAL = "rental"
    OWNER = "owner"
    VACANT = "vacant"


class RiskColour(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class PersonKind(enum.StrEnum):
    REGISTERED = "registered"
    FLOATING = "floating"
    FOREIGN = "foreign"


class ResidencyRole(enum.StrEnum):
    OWNER = "owner"
    TENANT = "tenant"
    FAMILY = "family"
    OTHER = "other"


class ResidencyStatus(enum.StrEnum):
    ACTIVE = "active"
    MOVED_OUT = "moved_out"


class VisitStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class PhotoKind(enum.StrEnum):
    ID_FRONT = "id_front"
    ID_BACK = "id_back"
    RESIDENCE_PERMIT = "residence_permit"
    CONTACT_CARD = "contact_card"
    GUARANTEE_LETTER = "guarantee_letter"
    FACE = "face"
    REPORT = "report"
    REPORT_VOICE = "report_voice"  # a reporter's voice note (OGG/Opus), sealed like pictures
    SNAPSHOT = "snapshot"


class ReportCategory(enum.StrEnum):
    DISPUTE = "dispute"
    HAZARD = "hazard"
    PUBLIC_ORDER = "public_order"
    OTHER = "other"


class HazardKind(enum.StrEnum):
    """The kinds of 安全隐患 a hazard report names."""

    FIRE = "fire"
    ELECTRICAL = "electrical"
    GAS = "gas"
    STRUCTURE = "structure"
    BLOCKED_PASSAGE = "blocked_passage"


class ReportStatus(enum.StrEnum):
    """FixMyStreet's life of a report: new → acknowledged → in progress → resolved | closed."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ReportClosure(enum.StrEnum):
    """Why a report was closed without being fixed."""

    DUPLICATE = "duplicate"
    NOT_RESPONSIBLE = "not_responsible"
    NO_ACTION = "no_action"


class CameraKind(enum.StrEnum):
    FACE = "face"
    PLATE = "plate"


class CameraSource(enum.StrEnum):
    """How a camera's events reach us (each has its own receiver and set-up text)."""

    HTTP = "http"  # POST /api/v1/cameras/{id}/events with a bearer token
    FRIGATE = "frigate"  # Frigate's MQTT events + its HTTP API for snapshots
    HIKVISION = "hikvision"  # ISAPI EventNotificationAlert pushed to a per-camera URL
    DAHUA = "dahua"  # the ITC platform push (/NotificationInfo/TollgateInfo)


class WatchlistKind(enum.StrEnum):
    RESIDENTS = "residents"
    PERSONS_OF_INTEREST = "persons_of_interest"
    CARE = "care"
    MISSING = "missing"
    VEHICLES = "vehicles"
    VISITORS = "visitors"


class AlertKind(enum.StrEnum):
    PERSON_OF_INTEREST = "person_of_interest"
    CARE = "care"
    MISSING_PERSON = "missing_person"
    WATCHED_VEHICLE = "watched_vehicle"
    STRANGER = "stranger"
    LONG_ABSENCE = "long_absence"
    TAILGATING = "tailgating"


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"


class MatchBand(enum.StrEnum):
    MATCH = "match"
    POSSIBLE = "possible"
    NO_MATCH = "no_match"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    FOLDED = "folded"  # not sent on its own: told in a digest (a saturated guard group)
