"""Alert rules managed by admins: add, list, disable, and load a rules file (by name)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import AlertKind, AlertRule, Watchlist
from core.roles import Actor, Permission
from core.services.alerts.matching import LIST_OF_RULE
from core.services.alerts.rulefile import RuleSpec
from core.services.base import Service


@dataclass(frozen=True)
class Loaded:
    added: int
    updated: int


class RuleService(Service):
    async def list(self, actor: Actor) -> Sequence[AlertRule]:
        actor.require(Permission.MANAGE_CAMERAS)
        return (await self.session.scalars(select(AlertRule).order_by(AlertRule.id))).all()

    async def add(self, actor: Actor, spec: RuleSpec) -> AlertRule:
        """A new rule; its name must be new (load a file to change a rule by name)."""
        actor.require(Permission.MANAGE_CAMERAS)
        if await self._named(spec.name) is not None:
            raise AlreadyExists("alert_rule", name=spec.name)
        rule = AlertRule(kind=spec.kind)
        await self._apply(rule, spec)
        self.session.add(rule)
        await self.session.flush()
        await self.uow.audit.record(actor, "add", "alert_rule", rule.id, name=spec.name)
        return rule

    async def disable(self, actor: Actor, rule_id: int) -> AlertRule:
        actor.require(Permission.MANAGE_CAMERAS)
        rule = await self.session.get(AlertRule, rule_id)
        if rule is None:
            raise NotFound("alert_rule", id=rule_id)
        rule.enabled = False
        await self.uow.audit.record(actor, "disable", "alert_rule", rule.id)
        return rule

    async def load(self, actor: Actor, specs: Sequence[RuleSpec]) -> Loaded:
        """Add the file's rules; a rule whose name exists already is updated (not doubled)."""
        actor.require(Permission.MANAGE_CAMERAS)
        added = updated = 0
        for spec in specs:
            rule = await self._named(spec.name)
            if rule is None:
                await self.add(actor, spec)
                added += 1
                continue
            rule.kind = spec.kind
            await self._apply(rule, spec)
            await self.uow.audit.record(actor, "update", "alert_rule", rule.id, name=spec.name)
            updated += 1
        await self.session.flush()
        return Loaded(added, updated)

    async def _apply(self, rule: AlertRule, spec: RuleSpec) -> None:
        rule.enabled = spec.enabled
        rule.grid_id = await self.grid_id(spec.grid)
        rule.watchlist_id = await self._watchlist(spec) if spec.watchlist else None
        rule.params = spec.params()
        rule.cooldown_seconds = spec.cooldown

    async def _watchlist(self, spec: RuleSpec) -> int:
        kind = LIST_OF_RULE.get(spec.kind)
        if spec.kind is AlertKind.LONG_ABSENCE:
            kind = None  # any list of persons, by name
        elif kind is None:
            raise InvalidInput("list")
        query = select(Watchlist.id).where(Watchlist.name == spec.watchlist)
        if kind is not None:
            query = query.where(Watchlist.kind == kind)
        found = await self.session.scalar(query)
        if found is None:
            raise NotFound("watchlist", name=spec.watchlist)
        return found

    async def _named(self, name: str) -> AlertRule | None:
        for rule in await self.session.scalars(select(AlertRule)):
            if rule.params.get("name") == name:
                return rule
        return None
