"""The one typed settings object, read from the environment and an optional `.env`."""

from __future__ import annotations

import secrets
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigurationError
from core.retention import RetentionPolicy

SECRET_FILE_NAME = "secret.key"
PREVIOUS_SECRET_FILE_NAME = "secret.previous.key"  # kept during a key rotation only


class Settings(BaseSettings):
    """Everything the product can be configured with; see the README's reference."""

    model_config = SettingsConfigDict(
        env_prefix="SAFECOMMUNITY_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Path("./var")
    database_url: str = ""
    secret_key: str = ""
    # During a key rotation: the key(s) being replaced, comma-separated; reads only.
    previous_secret_keys: str = ""

    telegram_token: str = ""
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_secret: str = ""

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    timezone: str = "Asia/Shanghai"

    community_name: str = "安宁社区"
    community_phone: str = "0571-88000000"
    # The bot's @username for the house cards' deep links (the running bot learns it from
    # Telegram; the `cards` command asks Telegram when this is empty).
    bot_username: str = ""
    # A TrueType/OpenType font with CJK glyphs for printed cards and charts; empty: the first
    # known system CJK font found (fonts-wqy-zenhei, Noto CJK).
    card_font: Path | None = None

    face_backend: Literal["dlib", "insightface"] = "dlib"
    insightface_model_dir: Path | None = None
    face_match_threshold: float | None = Field(default=None, gt=0)
    face_possible_threshold: float | None = Field(default=None, gt=0)
    plate_local_province: str = Field(default="浙", min_length=1, max_length=1)
    plate_max_distance: int = Field(default=1, ge=0, le=3)
    # Two by default: one worker (≈0.2 s a face photo) cannot keep up with 5 camera events a
    # second and the queue grows (`bench alerts`: p95 5.3 s with one, 0.48 s with two).
    recognition_workers: int = Field(default=2, ge=0, le=16)
    recognition_queue: int = Field(default=32, ge=1, le=10_000)
    max_image_pixels: int = Field(default=40_000_000, ge=1_000_000)
    # Face templates kept per person and backend: each good photo (a visit, a watchlist
    # enrolment) adds one and a match uses the closest; past the limit the least sharp older
    # one goes. More catch more looks (glasses, age) but make a look-alike likelier.
    face_templates_per_person: int = Field(default=5, ge=1, le=50)

    visit_interval_red_days: int = Field(default=7, ge=1)
    visit_interval_yellow_days: int = Field(default=15, ge=1)
    visit_interval_green_days: int = Field(default=30, ge=1)
    overdue_grace_days: int = Field(default=7, ge=0)
    overdue_reminder_time: time = time(9, 0)
    # Retention (README "Backups and keys"): the audit log must outlive what it describes.
    retention_snapshot_days: int = Field(default=30, ge=1)
    retention_moved_out_months: int = Field(default=6, ge=1)
    retention_report_photo_months: int = Field(default=12, ge=1)
    retention_audit_months: int = Field(default=36, ge=1)
    retention_time: time = time(3, 30)
    # Residents' reports: how many a reporter may file in a window, how far and how far back
    # similar reports are looked for, how long a reporter may reopen, the SLA to acknowledge
    # a report per category (hours), and when the daily / weekly digests go out.
    report_rate_limit: int = Field(default=5, ge=1)
    report_rate_window_hours: int = Field(default=24, ge=1)
    report_nearby_meters: int = Field(default=250, ge=0)
    report_nearby_days: int = Field(default=30, ge=1)
    report_reopen_days: int = Field(default=14, ge=0)
    report_sla_hazard_hours: int = Field(default=4, ge=1)
    report_sla_public_order_hours: int = Field(default=12, ge=1)
    report_sla_dispute_hours: int = Field(default=24, ge=1)
    report_sla_other_hours: int = Field(default=48, ge=1)
    report_digest_time: time = time(8, 30)
    report_weekly_weekday: int = Field(default=0, ge=0, le=6)  # 0 = Monday
    # How often the outbox is checked for messages to (re)send, in seconds.
    outbox_interval: float = Field(default=5.0, gt=0, le=3600)
    # Camera events: the largest body accepted and the backlog that turns new events away
    # (503). Their snapshots are kept `retention_snapshot_days` (the daily retention purge).
    camera_max_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024, le=20 * 1024 * 1024)
    camera_backlog: int = Field(default=500, ge=1)
    # The address this HTTP server is reached at from outside (``http://192.168.1.10:8080``):
    # what `camera add` tells cameras to push to and where channels' snapshot links point
    # (empty: http://http_host:http_port); and how long such a link stays valid.
    public_url: str = ""
    channel_link_hours: int = Field(default=24, ge=1, le=24 * 30)

    @property
    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")
    # Camera health: a camera not heard from (event or heartbeat) for this long is reported
    # to its grid's staff group, once, and once more when it is back.
    camera_silent_minutes: int = Field(default=30, ge=1)
    # Frigate (0.16+): its MQTT broker (``mqtt://user:pass@host:1883``; unset: no link), its
    # HTTP API for snapshots (port 5000 inside the Docker network), the topic prefix, the
    # labels taken, and Frigate camera names → our camera ids (besides `camera add --kind
    # frigate --frigate-camera NAME`, which records the name with the camera).
    frigate_mqtt_url: str | None = None
    frigate_url: str = "http://127.0.0.1:5000"
    frigate_topic_prefix: str = "frigate"
    frigate_labels: list[str] = Field(default_factory=lambda: ["person", "car"])
    frigate_cameras: dict[str, str] = Field(default_factory=dict)
    frigate_snapshot_wait: float = Field(default=10.0, gt=0, le=120)
    # How long a guard's "not this person" keeps that look-alike quiet at that camera.
    alert_rejection_hours: int = Field(default=24, ge=1, le=24 * 90)
    # Frames of one camera without a track id this close (seconds) that show the same face
    # or plate are one passage, decided together (0: each frame is its own passage).
    camera_passage_seconds: float = Field(default=4.0, ge=0, le=60)
    # Messages a guard group may get per minute (Telegram allows about 20); beyond, lower
    # severity alerts are folded into one digest.
    alert_group_per_minute: int = Field(default=20, ge=2, le=30)

    @field_validator("secret_key")
    @classmethod
    def _secret_long_enough(cls, value: str) -> str:
        if value and len(value.encode()) < 16:
            raise ValueError("the secret key must be at least 16 bytes")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///… or postgresql+asyncpg://…")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if value and (":" not in value or not value.split(":", 1)[0].isdigit()):
            raise ValueError("a bot token looks like 123456:ABC… (ask @BotFather)")
        return value

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> Settings:
        match, possible = self.face_match_threshold, self.face_possible_threshold
        dlib = self.face_backend == "dlib"
        if dlib and match is not None and possible is not None and possible < match:
            raise ValueError("face_possible_threshold must be ≥ face_match_threshold (dlib)")
        return self

    @model_validator(mode="after")
    def _audit_outlives_data(self) -> Settings:
        if 31 * self.retention_audit_months <= self.retention.longest_data_days():
            raise ValueError("retention_audit_months must be longer than every other retention")
        return self

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            snapshot_days=self.retention_snapshot_days,
            moved_out_months=self.retention_moved_out_months,
            report_photo_months=self.retention_report_photo_months,
            audit_months=self.retention_audit_months,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'safecommunity.db'}"

    @property
    def secret_file(self) -> Path:
        return self.data_dir / SECRET_FILE_NAME

    def effective_secret(self) -> bytes:
        """The configured secret, else the one `safecommunity init` generated."""
        if self.secret_key:
            return self.secret_key.encode()
        if self.secret_file.exists():
            return self.secret_file.read_text().strip().encode()
        raise ConfigurationError(
            "SAFECOMMUNITY_SECRET_KEY",
            "no secret key: set SAFECOMMUNITY_SECRET_KEY or run `safecommunity init`",
        )

    @property
    def previous_secret_file(self) -> Path:
        return self.data_dir / PREVIOUS_SECRET_FILE_NAME

    def previous_secrets(self) -> list[bytes]:
        """The keys a rotation is replacing: from the setting and from the data dir's file."""
        found = [key.strip() for key in self.previous_secret_keys.split(",") if key.strip()]
        if self.previous_secret_file.exists():
            found += self.previous_secret_file.read_text().split()
        return [key.encode() for key in dict.fromkeys(found)]

    def ensure_secret(self) -> bytes:
        """Generate and store a secret in the data dir when none is configured."""
        if self.secret_key or self.secret_file.exists():
            return self.effective_secret()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.secret_file.write_text(secrets.token_urlsafe(48) + "\n")
        self.secret_file.chmod(0o600)
        return self.effective_secret()


def load_settings(**overrides: object) -> Settings:
    """Build the settings once, turning validation errors into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        variable = f"SAFECOMMUNITY_{field.upper()}"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
            variable = field.upper() if field.upper().startswith("SAFECOMMUNITY_") else variable
        raise ConfigurationError(variable, message) from None
