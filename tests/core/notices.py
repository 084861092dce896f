"""The front end's side of the notification path, for tests of core services alone.

`told` installs a renderer that keeps every (notice, recipient) it is asked to render and
writes a plain line, so a test sees exactly who was told what without a chat front end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.bootstrap import Storage
from core.notify import Notice, Recipient, Rendered

Told = list[tuple[Notice, Recipient]]


@pytest.fixture
def told(storage: Storage) -> Iterator[Told]:
    kept: Told = []
    notifier = storage.services.context.notifier

    def render(notice: Notice, recipient: Recipient) -> Rendered:
        kept.append((notice, recipient))
        return Rendered(f"{notice.kind} for {recipient.chat_id}")

    notifier.renderer = render
    try:
        yield kept
    finally:
        notifier.renderer = None
