"""`safecommunity camera …`: register cameras (the token is shown once) and list them."""

from __future__ import annotations

import argparse

from bot.cli.common import CliContext, grid_codes, open_services, print_table, run, warn, when
from core.models import Camera, CameraKind

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
    add.add_argument("--kind", choices=[k.value for k in CameraKind], required=True)
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
    async def work() -> tuple[Camera, str]:
        async with open_services(ctx) as services, services() as svc:
            return await svc.cameras.add(
                ctx.actor,
                camera_id=args.id,
                kind=CameraKind(args.kind),
                name=args.name,
                grid_code=args.grid,
                layer=args.layer,
            )

    camera, token = run(work())
    grid = f", grid {args.grid}" if args.grid else ""
    print(
        f"registered {camera.kind.value} camera {camera.id} {camera.name} "
        f"(layer {camera.defence_layer}: {LAYERS[camera.defence_layer]}{grid})"
    )
    print(f"token: {token}")
    warn(
        "warning: this token is shown only once and cannot be recovered; store it in the "
        "camera's configuration now"
    )
    return 0


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
        ["id", "kind", "name", "grid", "layer", "enabled", "last seen"],
        [
            (
                c.id,
                c.kind.value,
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
