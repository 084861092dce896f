"""A whole sample community for demos and manual testing: `safecommunity seed-demo`.

Everything goes through the services in one unit of work, so a failure leaves nothing behind.
Seeding twice is harmless: when the demo admin exists the second run reports
`already_seeded`. A database that already holds houses is refused (no fake people in real data).

Demo Telegram ids (the sandbox and the demo script log in as these):
    admin 1001, police 1002, cadres 2001-2003 (grids G01-G03), guards 3001-3002,
    residents 4001-4002 (bound to tenant persons); guard group -100300, staff group -100200.
Camera tokens are shown once by the service, so they are written to
`<data_dir>/demo-cameras.json` (mode 0600) for the demo to post camera events with.
The fixed data is in `core.demo.data`, the seeding in `core.demo.seed`.
"""

from core.demo.data import (
    ADMIN_ID,
    CADRE_IDS,
    CAMERAS_FILE_NAME,
    COMMUNITY_NAME,
    DEMO_CAMERAS,
    DEMO_GRIDS,
    DEMO_GROUPS,
    DEMO_HOUSES,
    DEMO_MEMBERS,
    DEMO_PLATES,
    GUARD_GROUP_ID,
    GUARD_IDS,
    PERSON_OF_INTEREST,
    POLICE_ID,
    RESIDENT_IDS,
    SEED_STEPS,
    STAFF_GROUP_ID,
    DemoHouse,
    DemoPerson,
    demo_id_number,
)
from core.demo.seed import DemoSummary, seed_demo

__all__ = [
    "ADMIN_ID",
    "CADRE_IDS",
    "CAMERAS_FILE_NAME",
    "COMMUNITY_NAME",
    "DEMO_CAMERAS",
    "DEMO_GRIDS",
    "DEMO_GROUPS",
    "DEMO_HOUSES",
    "DEMO_MEMBERS",
    "DEMO_PLATES",
    "GUARD_GROUP_ID",
    "GUARD_IDS",
    "PERSON_OF_INTEREST",
    "POLICE_ID",
    "RESIDENT_IDS",
    "SEED_STEPS",
    "STAFF_GROUP_ID",
    "DemoHouse",
    "DemoPerson",
    "DemoSummary",
    "demo_id_number",
    "seed_demo",
]
