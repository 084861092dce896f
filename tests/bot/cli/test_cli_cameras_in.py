"""`camera add --kind http|frigate|hikvision|dahua` prints what to enter on the device."""

from __future__ import annotations

import asyncio
import re

import pytest

from core.bootstrap import storage
from core.models import Camera, CameraKind, CameraSource
from core.settings import Settings


async def camera_of(settings: Settings, camera_id: str, secret: str | None) -> tuple[str, str]:
    async with storage(settings, migrate=False) as opened, opened.services() as svc:
        if secret is None:
            camera = await svc.session.get(Camera, camera_id)
        else:
            camera = await svc.camera_events.authenticate(camera_id, secret)
        assert camera is not None
        return camera.source.value, camera.kind.value


def adder(cli):  # type: ignore[no-untyped-def]
    return lambda argv: cli(*argv.split())


@pytest.mark.usefixtures("ready")
def test_each_source_prints_its_settings_and_the_secret_works(cli, cli_settings: Settings) -> None:
    add = adder(cli)
    hik = add("camera add --id hik-1 --kind hikvision --name 北门 --layer 1")
    assert hik.code == 0, hik.err
    assert "shown only once" in hik.err
    url = re.search(r"URL: (/api/v1/cameras/hik-1/isapi/(\S+))", hik.out)
    assert url, hik.out
    assert f"address: {cli_settings.http_host}" in hik.out
    assert f"port: {cli_settings.http_port}" in hik.out
    assert asyncio.run(camera_of(cli_settings, "hik-1", url.group(2))) == ("hikvision", "face")

    dahua = add("camera add --id dh-1 --kind dahua --name 车道")
    assert dahua.code == 0, dahua.err
    secret = re.search(r"password: (\S+)", dahua.out)
    assert secret, dahua.out
    assert "user name: dh-1" in dahua.out
    assert "/NotificationInfo/TollgateInfo" in dahua.out
    assert f"/api/v1/cameras/dh-1/dahua/{secret.group(1)}" in dahua.out
    assert asyncio.run(camera_of(cli_settings, "dh-1", secret.group(1))) == ("dahua", "plate")

    frigate = add("camera add --id fr-1 --kind frigate --frigate-camera driveway --name 车库")
    assert frigate.code == 0, frigate.err
    assert "Frigate camera 'driveway'" in frigate.out
    assert "SAFECOMMUNITY_FRIGATE_MQTT_URL" in frigate.out
    assert "snapshots:" in frigate.out
    assert asyncio.run(camera_of(cli_settings, "fr-1", None)) == ("frigate", "face")
    assert add("camera add --id fr-2 --kind frigate --name x").code == 2

    http = add("camera add --id web-1 --kind http --reads plate --name 侧门")
    assert http.code == 0, http.err
    bearer = re.search(r"Authorization: Bearer (\S+)", http.out)
    assert bearer, http.out
    assert "/api/v1/cameras/web-1/events" in http.out
    assert asyncio.run(camera_of(cli_settings, "web-1", bearer.group(1))) == ("http", "plate")

    listing = cli("camera", "list")
    assert "frigate (driveway)" in listing.out
    assert "hikvision" in listing.out
    assert CameraSource.DAHUA.value in listing.out
    assert CameraKind.PLATE.value in listing.out
