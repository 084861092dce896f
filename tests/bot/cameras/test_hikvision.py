"""Hikvision ISAPI pushes in the documented shapes (real photos), end to end."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
from PIL import Image
from sqlalchemy import select

from core.models import CameraKind, CameraRawEvent, CameraSource
from tests.bot.cameras.conftest import Receiver, photo, until
from tests.e2e import SYSTEM

ANPR_XML = """<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress>
<portNo>80</portNo>
<protocol>HTTP</protocol>
<macAddress>24:0f:9b:aa:bb:cc</macAddress>
<channelID>1</channelID>
<dateTime>2026-11-28T14:05:00+08:00</dateTime>
<activePostCount>1</activePostCount>
<eventType>ANPR</eventType>
<eventState>active</eventState>
<eventDescription>ANPR</eventDescription>
<channelName>North gate</channelName>
<ANPR>
<country>China</country>
<licensePlate>皖A195K9</licensePlate>
<line>1</line>
<direction>forward</direction>
<confidenceLevel>97</confidenceLevel>
<plateType>92TypeCivil</plateType>
<plateColor>blue</plateColor>
<licenseBright>0</licenseBright>
<pilotsafebelt>unknown</pilotsafebelt>
<vehicleType>vehicle</vehicleType>
<plateCharBelieve>98,97,99,96,95,99,97</plateCharBelieve>
<vehicleListName>otherList</vehicleListName>
<listType>otherList</listType>
<pictureInfoList>
<pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type>
<plateRect><X>312</X><Y>770</Y><width>154</width><height>50</height></plateRect></pictureInfo>
<pictureInfo><fileName>detectionPicture.jpg</fileName><type>detectionPicture</type></pictureInfo>
</pictureInfoList>
</ANPR>
</EventNotificationAlert>
"""

HEARTBEAT_XML = """<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress><channelID>1</channelID>
<dateTime>2026-11-28T14:06:00+08:00</dateTime><activePostCount>0</activePostCount>
<eventType>heartBeat</eventType><eventState>active</eventState>
<eventDescription>heartBeat</eventDescription></EventNotificationAlert>"""

VMD_XML = HEARTBEAT_XML.replace("heartBeat", "VMD")


def crop(picture: bytes, box: tuple[int, int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(picture)).crop(box).save(out, "JPEG")
    return out.getvalue()


async def push(
    receiver: Receiver, camera: str, secret: str, data: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    url = f"{receiver.base}/api/v1/cameras/{camera}/isapi/{secret}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_anpr_multipart_with_scene_and_plate_pictures_becomes_a_passage(
    receiver: Receiver,
) -> None:
    secret = await receiver.camera("hik-gate", CameraSource.HIKVISION)
    scene = photo("plates/ccpd_demo_0.jpg")
    form = aiohttp.FormData()
    form.add_field("anpr.xml", ANPR_XML.encode(), filename="anpr.xml", content_type="text/xml")
    form.add_field(
        "licensePlatePicture.jpg",
        crop(scene, (312, 770, 466, 820)),
        filename="licensePlatePicture.jpg",
        content_type="image/jpeg",
    )
    form.add_field(
        "detectionPicture.jpg", scene, filename="detectionPicture.jpg", content_type="image/jpeg"
    )
    assert await push(receiver, "hik-gate", secret, form) == (200, {"result": "stored"})
    [event] = await receiver.events()
    assert (event.plate_text, event.direction) == ("皖A195K9", "in")
    assert event.plate_image_id is not None
    assert event.details is not None
    assert event.details["plateColor"] == "blue"
    assert event.details["confidenceLevel"] == 97
    assert event.details["plateCharBelieve"] == "98,97,99,96,95,99,97"
    async with receiver.env.services() as svc:
        _photo, stored = await svc.photos.read(SYSTEM, event.image_id or 0)
    assert stored == scene
    passage = await until(lambda: receiver.passage(event.id))
    assert passage.plate == "皖A195K9"
    assert passage.raw["device"]["plateColor"] == "blue"


async def test_face_capture_as_json_with_a_picture(receiver: Receiver) -> None:
    secret = await receiver.camera("hik-face", CameraSource.HIKVISION, kind=CameraKind.FACE)
    face = photo("faces_east_asian/jack_ma_1.jpg")
    alert = {
        "ipAddress": "192.168.1.65",
        "channelID": 1,
        "dateTime": "2026-11-28T14:07:00+08:00",
        "eventType": "faceCapture",
        "eventState": "active",
        "eventDescription": "faceCapture",
    }
    form = aiohttp.FormData()
    form.add_field("faceCapture", json.dumps(alert), content_type="application/json")
    form.add_field("Picture", face, filename="Picture.jpg", content_type="image/jpeg")
    assert await push(receiver, "hik-face", secret, form) == (200, {"result": "stored"})
    [event] = await receiver.events()
    assert event.details is not None
    assert (event.camera_id, event.details["event_type"]) == ("hik-face", "faceCapture")
    assert await until(lambda: receiver.passage(event.id))


async def test_heartbeats_unknown_types_and_garbage_never_fail(receiver: Receiver) -> None:
    secret = await receiver.camera("hik-3", CameraSource.HIKVISION)
    xml = {"Content-Type": "application/xml"}
    assert await push(receiver, "hik-3", secret, HEARTBEAT_XML, xml) == (200, {"result": "alive"})
    assert await push(receiver, "hik-3", secret, VMD_XML, xml) == (200, {"result": "raw"})
    assert await push(receiver, "hik-3", secret, b"<oops", xml) == (200, {"result": "raw"})
    no_picture = ANPR_XML.encode()  # an ANPR without its pictures: kept, not an event
    assert await push(receiver, "hik-3", secret, no_picture, xml) == (200, {"result": "raw"})
    assert (await push(receiver, "hik-3", "cam_wrong", HEARTBEAT_XML, xml))[0] == 401
    assert (await push(receiver, "nowhere", secret, HEARTBEAT_XML, xml))[0] == 404
    assert await receiver.events() == []
    async with receiver.env.services() as svc:
        kept = list(await svc.session.scalars(select(CameraRawEvent).order_by(CameraRawEvent.id)))
        camera = await svc.cameras.get(SYSTEM, "hik-3")
    assert [k.event_type for k in kept] == ["VMD", "unreadable", "ANPR"]
    assert "<eventType>VMD</eventType>" in kept[0].body
    assert camera.last_seen_at is not None
    async with (
        aiohttp.ClientSession() as session,
        session.get(receiver.base + "/metrics") as response,
    ):
        assert "safecommunity_camera_raw_events_total 3" in await response.text()
