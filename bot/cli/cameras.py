"""`safecommunity camera …`: register cameras (the token is shown once) and list them."""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from bot.cli.common import CliContext, grid_codes, open_services, print_table, run, warn, when
from core.models import Camera, CameraKind, CameraSource
from core.settings import Settings

LAYERS = {1: "community gates", 2: "inner roads", 3: "building doors", 4: "house cards"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    camera = sub.add_parser(
        "camera", help="register and list cameras", description="Face and plate cameras."
    )
    csub = camera.add_subparsers(dest="camera_command", required=True, metavar="COMMAND")
    add = csub.add_parser(
        "add",
        help="register a camera and print its token once",
        description="Register a camera. Its token is printed once and stored only hashed: "
        "put it into the camera's (or the gateway's) configuration right away. Defence "
        "layers: " + ", ".join(f"{n} {name}" for n, name in LAYERS.items()) + ".",
    )
    add.add_argument(
        "--id", metavar="ID", help="letters, digits, . _ - (made from the kind when omitted)"
    )
    add.add_argument(
        "--kind",
        choices=[s.value for s in CameraSource] + [k.value for k in CameraKind],
        required=True,
        help="how its events arrive: http (our API), frigate, hikvision (ISAPI push), dahua "
        "(ITC platform push); face / plate = http with that reading",
    )
    add.add_argument(
        "--reads",
        choices=[k.value for k in CameraKind],
        help="what it looks at: face or plate (default: plate for dahua, else face)",
    )
    add.add_argument(
        "--frigate-camera", metavar="NAME", help="Frigate's name for it (--kind frigate)"
    )
    add.add_argument("--name", required=True, help="e.g. 北门人脸抓拍")
    add.add_argument("--grid", metavar="GRID")
    add.add_argument("--layer", type=int, choices=sorted(LAYERS), default=1, metavar="N")
    add.set_defaults(handler=cmd_add)
    csub.add_parser("list", help="list cameras", description="List cameras.").set_defaults(
        handler=cmd_list
    )
    rotate = csub.add_parser(
        "rotate",
        help="give a camera a new token (printed once)",
        description="Give a camera a new token; the old one stops working at once.",
    )
    rotate.add_argument("--id", required=True, metavar="ID")
    rotate.set_defaults(handler=cmd_rotate)
    disable = csub.add_parser(
        "disable", help="refuse a camera's events", description="Disable a camera."
    )
    disable.add_argument("--id", required=True, metavar="ID")
    disable.set_defaults(handler=cmd_disable)


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    if args.kind in {k.value for k in CameraKind}:
        source, kind = CameraSource.HTTP, CameraKind(args.kind)
    else:
        source = CameraSource(args.kind)
        default = CameraKind.PLATE if source is CameraSource.DAHUA else CameraKind.FACE
        kind = CameraKind(args.reads) if args.reads else default
    if source is CameraSource.FRIGATE and not args.frigate_camera:
        warn("error: --kind frigate needs --frigate-camera NAME (Frigate's name for it)")
        return 2

    async def work() -> tuple[Camera, str]:
        async with open_services(ctx) as services, services() as svc:
            return await svc.cameras.add(
                ctx.actor,
                camera_id=args.id,
                kind=kind,
                name=args.name,
                grid_code=args.grid,
                layer=args.layer,
                source=source,
                external_name=args.frigate_camera,
            )

    camera, token = run(work())
    grid = f", grid {args.grid}" if args.grid else ""
    print(
        f"registered {camera.kind.value} camera {camera.id} {camera.name} "
        f"(layer {camera.defence_layer}: {LAYERS[camera.defence_layer]}{grid}; "
        f"events from {source.value})"
    )
    for line in setup_text(ctx.settings, camera, token):
        print(line)
    if source is not CameraSource.FRIGATE:
        warn(
            "warning: this secret is shown only once and cannot be recovered; enter it on the "
            "camera now (camera rotate gives a new one)"
        )
    return 0


def push_base(settings: Settings) -> str:
    """Where cameras reach our HTTP server (SAFECOMMUNITY_PUBLIC_URL, else host and port)."""
    return settings.public_base_url


def setup_text(settings: Settings, camera: Camera, token: str) -> list[str]:
    """What to enter on the device (or in Frigate's config) for this camera."""
    base = push_base(settings)
    where = urlsplit(base)
    host, port = where.hostname or "", where.port or (443 if where.scheme == "https" else 80)
    if camera.source is CameraSource.HIKVISION:
        path = f"/api/v1/cameras/{camera.id}/isapi/{token}"
        return [
            "On the camera (web UI: Configuration › Network › Advanced › HTTP Listening, or "
            "ISAPI /ISAPI/Event/notification/httpHosts):",
            f"  protocol: HTTP   address: {host}   port: {port}",
            f"  URL: {path}",
            "  (the secret is the last part of the URL; switch on 'Notify surveillance center'"
            " for ANPR, face capture and heartbeat)",
            f"full URL: {base}{path}",
            f"secret: {token}",
        ]
    if camera.source is CameraSource.DAHUA:
        prefix = f"/api/v1/cameras/{camera.id}/dahua/{token}"
        return [
            "On the camera (web UI: Setting › Network › Platform access, HTTP / ITC push):",
            f"  server address: {host}   port: {port}",
            f"  user name: {camera.id}   password: {token}",
            "  (posts to /NotificationInfo/TollgateInfo and /NotificationInfo/KeepAlive)",
            f"  if the firmware takes a path but no password, use the path prefix: {prefix}",
            f"secret: {token}",
        ]
    if camera.source is CameraSource.FRIGATE:
        return [
            f"Frigate camera '{camera.external_name}' is this camera: no secret is needed "
            "(Frigate's events come over MQTT).",
            "In SafeCommunity's environment:",
            "  SAFECOMMUNITY_FRIGATE_MQTT_URL=mqtt://<broker host>:1883   (Frigate's mqtt:)",
            f"  SAFECOMMUNITY_FRIGATE_URL={settings.frigate_url}   (Frigate's API, port 5000)",
            "In Frigate's config.yml (snapshots on, so we can fetch them):",
            f"  cameras:\n    {camera.external_name}:\n      snapshots:\n        enabled: true",
            "  mqtt:\n    enabled: true\n    host: <broker host>",
        ]
    return [
        f"POST {base}/api/v1/cameras/{camera.id}/events",
        f"Authorization: Bearer {token}",
        f"token: {token}",
    ]


def cmd_rotate(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> str:
        async with open_services(ctx) as services, services() as svc:
            return await svc.cameras.rotate_token(ctx.actor, args.id)

    token = run(work())
    print(f"new token for camera {args.id} (the old one no longer works)")
    print(f"token: {token}")
    warn("warning: this token is shown only once; store it in the camera's configuration now")
    return 0


def cmd_disable(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> Camera:
        async with open_services(ctx) as services, services() as svc:
            return await svc.cameras.disable(ctx.actor, args.id)

    camera = run(work())
    print(f"disabled camera {camera.id} {camera.name}: its events are refused")
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[list[Camera], dict[int, str]]:
        async with open_services(ctx) as services, services() as svc:
            return list(await svc.cameras.list(ctx.actor)), await grid_codes(svc)

    cameras, grids = run(work())
    if not cameras:
        print("no cameras yet: safecommunity camera add --id ID --kind face --name NAME")
        return 0
    zone = ctx.settings.zone
    print_table(
        ["id", "kind", "source", "name", "grid", "layer", "enabled", "last seen"],
        [
            (
                c.id,
                c.kind.value,
                c.source.value + (f" ({c.external_name})" if c.external_name else ""),
                c.name,
                grids.get(c.grid_id, "") if c.grid_id else "",
                c.defence_layer,
                "yes" if c.enabled else "no",
                when(c.last_seen_at, zone, "never"),
            )
            for c in cameras
        ],
    )
    return 0
