"""`retention show` prints the periods and what is due; `retention run` purges it."""

from __future__ import annotations


def test_show_and_run(cli, ready, monkeypatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_RETENTION_SNAPSHOT_DAYS", "14")
    result = cli("retention", "show")
    assert result.code == 0, result.err
    assert "daily at 03:30 (Asia/Shanghai)" in result.out
    assert "camera snapshots         14 days" in result.out
    assert "0 held by an open alert, a queued event or an unsent message" in result.out
    assert "audit log                36 months" in result.out
    ran = cli("retention", "run")
    assert ran.code == 0, ran.err
    assert "purged: snapshots 0" in ran.out


def test_an_audit_period_shorter_than_the_data_is_refused(cli, ready, monkeypatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_RETENTION_AUDIT_MONTHS", "3")
    result = cli("retention", "show")
    assert result.code == 2
    assert "retention_audit_months must be longer" in result.err
