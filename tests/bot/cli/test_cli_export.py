"""`safecommunity export reports`: a CSV and Open311 GeoReport v2 JSON, without personal data."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from pathlib import Path

from core.bootstrap import storage
from core.models import GroupRole, HazardKind, ReportCategory, ReportClosure, Role
from core.notify import Rendered
from core.roles import Actor
from core.services.reports import NewReport, Reporter
from core.services.reports.export import CSV_FIELDS
from core.settings import Settings

ADMIN = Actor.system("test")
OPEN311_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def seed(settings: Settings) -> None:
    async def work() -> None:
        async with storage(settings, migrate=False) as opened:
            opened.services.context.notifier.renderer = lambda n, r: Rendered("x")
            async with opened.services() as svc:
                await svc.groups.add(ADMIN, chat_id=-100_1, role=GroupRole.STAFF)
                member = await svc.members.add(
                    ADMIN, telegram_id=555, role=Role.RESIDENT, name="李秘密"
                )
                reporter = Reporter(555, None, "李秘密", member.id)
                actor = Actor(Role.RESIDENT, member.id)
                hazard = await svc.reports.file(
                    actor,
                    reporter,
                    NewReport(
                        ReportCategory.HAZARD,
                        '楼道"堆物", 消防通道被堵',
                        hazard=HazardKind.BLOCKED_PASSAGE,
                        latitude=30.27,
                        longitude=120.15,
                    ),
                )
                other = await svc.reports.file(
                    actor,
                    reporter,
                    NewReport(ReportCategory.OTHER, "燃气表漏气", place_text="3幢"),
                )
                await svc.reports.file(
                    actor, reporter, NewReport(ReportCategory.DISPUTE, "邻里纠纷", anonymous=True)
                )
                await svc.reports.resolve(ADMIN, hazard.id, "已清理")
                await svc.reports.close(
                    ADMIN, other.id, ReportClosure.NOT_RESPONSIBLE, referred_to="燃气公司"
                )

    asyncio.run(work())


def test_csv_export(cli, cli_settings: Settings, tmp_path: Path) -> None:
    seed(cli_settings)
    out = tmp_path / "reports.csv"
    result = cli("export", "reports", "--since", "2000-01-01", "--out", str(out))
    assert result.code == 0, result.err
    assert "exported 3 reports" in result.err
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CSV_FIELDS
    assert [r["status"] for r in rows] == ["resolved", "closed", "new"]
    assert rows[0]["description"] == '楼道"堆物", 消防通道被堵'
    assert rows[1]["agency_responsible"] == "燃气公司"
    assert "李秘密" not in text
    assert "555" not in text


def test_open311_export_is_georeport_v2(cli, cli_settings: Settings) -> None:
    seed(cli_settings)
    result = cli("export", "reports", "--since", "2000-01-01", "--format", "open311")
    assert result.code == 0, result.err
    requests = json.loads(result.out)
    assert len(requests) == 3
    for request in requests:
        assert set(request) == OPEN311_FIELDS
        assert request["status"] in ("open", "closed")
        assert len(request["description"]) <= 4000
        datetime.fromisoformat(request["requested_datetime"])
        datetime.fromisoformat(request["updated_datetime"])
    hazard, referred, dispute = requests
    assert (hazard["status"], hazard["status_notes"]) == ("closed", "resolved: 已清理")
    assert hazard["service_code"] == "hazard.blocked_passage"
    assert (hazard["lat"], hazard["long"]) == (30.27, 120.15)
    assert referred["status_notes"] == "not responsible: referred to 燃气公司"
    assert referred["address"] == "3幢"
    assert dispute["status"] == "open"
    assert "李秘密" not in result.out


def test_a_bad_date_is_a_usage_error(cli, ready: Path) -> None:
    result = cli("export", "reports", "--since", "last week")
    assert result.code == 2
    assert "--since" in result.err
