"""The demo in a real browser: Debian's Chromium driven by Playwright (no browser download).

Chromium comes from the system (`chromium` on PATH); in CI as root it is installed with apt-get
when missing, anywhere else the test is skipped. The machine's network is closed, so the flags
below keep Chromium from reaching out (refused connections would only slow it down).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo import DemoInfo
from bot.i18n import load_catalogues
from core.demo import RESIDENT_IDS
from core.demo.data import COMMUNITY_PHONE
from core.settings import Settings, load_settings
from tests.bot.test_demo import running_demo

pytestmark = pytest.mark.browser

RESIDENT = RESIDENT_IDS[0]  # 林小雨
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MIN_SCREENSHOT_BYTES = 20_000


def find_chromium() -> str:
    """The system Chromium; installed with apt-get in CI as root, else the test is skipped."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if ci and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=False, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=False, env=env, timeout=900)
        found = shutil.which("chromium")
        if found:
            return found
        pytest.fail("CI: apt-get could not install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


@pytest.fixture
def chromium() -> str:
    pytest.importorskip("playwright.async_api")
    return find_chromium()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("SAFECOMMUNITY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return load_settings(data_dir=tmp_path / "var", http_port=0)


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[DemoInfo]:
    async with running_demo(settings) as info:
        yield info


async def test_resident_opens_the_menu_in_chromium(
    running: DemoInfo, chromium: str, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    screenshot = tmp_path / "demo-resident-menu.png"
    errors: list[str] = []
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
            locale="zh-CN",
        )
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(running.url)
            await expect(page.locator(".brand strong")).to_have_text("SafeCommunity")

            await page.select_option("#persona", str(RESIDENT))
            await expect(page.locator("#chat-title")).to_have_text("林小雨")
            await page.fill("#text", "/start")
            await page.press("#text", "Enter")

            bot_message = page.locator("#messages li.msg:not(.mine)").last
            buttons = bot_message.locator(".inline-keyboard button")
            await expect(buttons.first).to_be_visible(timeout=15_000)
            assert await buttons.count() >= 3  # report, contact, help, language
            await expect(page.locator("#messages li.msg.mine").first).to_contain_text("/start")
            await page.screenshot(path=str(screenshot), full_page=True)

            # A button works: ☎️ edits the menu in place into the office's contact.
            contact = load_catalogues().translator("zh_CN")("menu.contact")
            await buttons.filter(has_text=contact).click()
            await expect(bot_message).to_contain_text(COMMUNITY_PHONE, timeout=15_000)
            await expect(page.locator("#messages li.msg:not(.mine)")).to_have_count(1)
        finally:
            await context.close()

    assert not errors, errors
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > MIN_SCREENSHOT_BYTES
