"""Feature services over one unit of work: `async with services() as svc: svc.houses…`."""

from core.services.base import Service, ServiceContext
from core.services.houses import ImportResult
from core.services.members import actor_for
from core.services.persons import PersonView, ResidentView
from core.services.uow import ServiceFactory, UnitOfWork

__all__ = [
    "ImportResult",
    "PersonView",
    "ResidentView",
    "Service",
    "ServiceContext",
    "ServiceFactory",
    "UnitOfWork",
    "actor_for",
]
