"""`safecommunity channel …`: alert robots outside Telegram (add, list, test, disable)."""

from __future__ import annotations

import argparse

import aiohttp

from bot.channel_outbox import TIMEOUT, post
from bot.cli.common import CliContext, open_services, print_table, run, warn
from bot.i18n import load_catalogues
from core.channels import Message, build, html_to_markdown
from core.channels.severity import SEVERITIES
from core.models import ChannelKind, utcnow
from core.services.channels import ChannelInfo, ChannelTarget


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    channel = sub.add_parser(
        "channel",
        help="alert channels: WeCom, DingTalk, Feishu robots and webhooks",
        description="Robots and webhooks outside Telegram that alerts are posted to.",
    )
    csub = channel.add_subparsers(dest="channel_command", required=True, metavar="COMMAND")
    add = csub.add_parser(
        "add",
        help="add a channel",
        description="Add a channel. Its URL and secret are stored sealed. A webhook without "
        "--secret gets a generated one, printed once: the receiver checks "
        "X-SafeCommunity-Signature with it.",
    )
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=[k.value for k in ChannelKind], required=True)
    add.add_argument("--url", required=True, help="the robot's webhook URL")
    add.add_argument("--secret", help="DingTalk/Feishu signing secret, or the webhook's key")
    add.add_argument("--grid", metavar="GRID", help="only this grid's alerts (default: all)")
    add.add_argument("--min-severity", choices=SEVERITIES, default="low")
    add.add_argument("--locale", choices=["zh_CN", "en"], help="the messages' language")
    add.set_defaults(handler=cmd_add)
    csub.add_parser("list", help="list channels", description="List channels.").set_defaults(
        handler=cmd_list
    )
    test = csub.add_parser(
        "test",
        help="send a test message and print the answer",
        description="Send a test message to a channel and print the robot's answer.",
    )
    test.add_argument("name")
    test.set_defaults(handler=cmd_test)
    disable = csub.add_parser("disable", help="stop posting to a channel")
    disable.add_argument("name")
    disable.set_defaults(handler=cmd_disable)


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[ChannelInfo, str | None]:
        async with open_services(ctx) as services, services() as svc:
            return await svc.channels.add(
                ctx.actor,
                name=args.name,
                kind=ChannelKind(args.kind),
                url=args.url,
                secret=args.secret,
                grid_code=args.grid,
                min_severity=args.min_severity,
                locale=args.locale,
            )

    info, generated = run(work())
    grid = f"grid {info.grid}" if info.grid else "every grid"
    print(f"added {info.kind.value} channel {info.name} ({grid}, from {info.min_severity})")
    if generated:
        print(f"secret: {generated}")
        warn("warning: this secret is shown only once; give it to the receiver now")
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> list[ChannelInfo]:
        async with open_services(ctx) as services, services() as svc:
            return list(await svc.channels.list(ctx.actor))

    channels = run(work())
    if not channels:
        print("no channels yet: safecommunity channel add --name NAME --kind wecom --url URL")
        return 0
    print_table(
        ["name", "kind", "host", "grid", "min severity", "signed", "enabled"],
        [
            (
                c.name,
                c.kind.value,
                c.host,
                c.grid or "all",
                c.min_severity,
                "yes" if c.signed else "no",
                "yes" if c.enabled else "no",
            )
            for c in channels
        ],
    )
    return 0


def cmd_disable(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> ChannelInfo:
        async with open_services(ctx) as services, services() as svc:
            return await svc.channels.disable(ctx.actor, args.name)

    info = run(work())
    print(f"disabled channel {info.name}: nothing more is posted to it")
    return 0


def test_message(target: ChannelTarget, locale: str) -> Message:
    t = load_catalogues().translator(target.locale or locale)
    title, markdown, text = html_to_markdown(t("channels.test", name=target.name))
    facts = {"kind": "test", "channel": target.name, "time": utcnow().isoformat()}
    return Message(title, markdown, text, facts)


async def send_test(target: ChannelTarget, locale: str) -> list[tuple[int, str]]:
    """Post the test message; each post's (status, answer)."""
    message = test_message(target, locale)
    answers = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        for outgoing in build(target.kind, target.url, target.secret, message, utcnow()):
            status, text, _ = await post(http, outgoing)
            answers.append((status, text))
    return answers


def cmd_test(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> list[tuple[int, str]]:
        async with open_services(ctx) as services, services() as svc:
            target = await svc.channels.for_test(ctx.actor, args.name)
        return await send_test(target, ctx.settings.default_locale)

    answers = run(work())
    for status, text in answers:
        print(f"HTTP {status}: {text.strip()[:1000]}")
    ok = all(200 <= status < 300 for status, _ in answers)
    return 0 if ok else 1
