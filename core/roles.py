"""The role matrix: which role may do what. Services check it; handlers never are the guard."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.errors import PermissionDenied
from core.models.enums import Role


class Permission(enum.StrEnum):
    MANAGE_MEMBERS = "manage_members"
    MANAGE_GROUPS = "manage_groups"
    MANAGE_HOUSES = "manage_houses"
    VIEW_HOUSES = "view_houses"
    VIEW_PERSONS = "view_persons"
    # A person's whole record (residencies, visits, reports, watchlists, passages).
    VIEW_PERSON_RECORDS = "view_person_records"
    REVEAL_ID_NUMBER = "reveal_id_number"
    EDIT_PERSONS = "edit_persons"
    VISIT_HOUSES = "visit_houses"
    VIEW_ALL_VISITS = "view_all_visits"
    CHANGE_RISK_COLOUR = "change_risk_colour"
    FILE_REPORTS = "file_reports"
    HANDLE_REPORTS = "handle_reports"
    MANAGE_CAMERAS = "manage_cameras"
    MANAGE_CHANNELS = "manage_channels"  # alert robots outside Telegram (admins only)
    MANAGE_WATCHLISTS = "manage_watchlists"
    HANDLE_ALERTS = "handle_alerts"
    VIEW_AUDIT = "view_audit"
    # Retention, a person's record exported or erased (PIPL arts. 45, 47), backups.
    MANAGE_PERSONAL_DATA = "manage_personal_data"
    USE_BOT = "use_bot"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.POLICE: frozenset(
        {
            P.VIEW_HOUSES,
            P.VIEW_PERSONS,
            P.VIEW_PERSON_RECORDS,
            P.REVEAL_ID_NUMBER,
            P.VIEW_ALL_VISITS,
            P.HANDLE_REPORTS,
            P.MANAGE_WATCHLISTS,
            P.HANDLE_ALERTS,
            P.VIEW_AUDIT,
            P.FILE_REPORTS,
            P.USE_BOT,
        }
    ),
    Role.CADRE: frozenset(
        {
            P.VIEW_HOUSES,
            P.VIEW_PERSONS,
            P.EDIT_PERSONS,
            P.VISIT_HOUSES,
            P.HANDLE_REPORTS,
            P.FILE_REPORTS,
            P.USE_BOT,
        }
    ),
    Role.GUARD: frozenset({P.HANDLE_ALERTS, P.FILE_REPORTS, P.USE_BOT}),
    Role.RESIDENT: frozenset({P.FILE_REPORTS, P.USE_BOT}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a bound member, or the operator's CLI / the system itself."""

    role: Role
    member_id: int | None = None
    label: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(role=Role.ADMIN, member_id=None, label=label)

    @property
    def display(self) -> str:
        return self.label or (f"member:{self.member_id}" if self.member_id else self.role.value)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(permission.value, role=self.role.value)
