"""Seed the HTTP benchmark's throwaway database through the services, then print a read token as JSON.

Run by bench/http_bench.py in a subprocess with the production settings and the throwaway DATABASE_URL in the
environment, after `tichub migrate`. Not meant for any real database: it refuses to run without BENCH_SEED=1.
"""

from __future__ import annotations

import json
import os
import sys

EVENTS = int(os.environ.get("BENCH_EVENTS", "80"))


def seed() -> dict[str, object]:
    from django.db import transaction

    from tichub.accounts import services
    from tichub.accounts.choices import InstitutionLevel, OrganisationKind, Ownership, Role
    from tichub.accounts.selectors import actor_for
    from tichub.core.selectors import audit_events
    from tichub.core.tenancy import Actor

    with transaction.atomic():
        admin = services.user_create(
            email="bench-admin@bench.tichub.local", name="Bench Admin", password="bench-Passw0rd-not-secret"
        )
        operator = Actor(user=admin)
        org = services.organisation_create(
            actor=operator,
            kind=OrganisationKind.INSTITUTION,
            slug="bench-lab",
            name_zh="基准测试检测中心",
            name_en="Benchmark Testing Centre",
            ownership=Ownership.STATE,
            level=InstitutionLevel.PROVINCIAL,
            is_testing_laboratory=True,
        )
        services.membership_grant(actor=operator, organisation=org, user=admin, roles=[Role.INSTITUTION_ADMIN])
        actor = actor_for(admin, org.pk)
        for i in range(EVENTS):
            services.organisation_update(
                actor=actor,
                name_en=f"Benchmark Testing Centre (revision {i + 1})",
                address_zh=f"广西南宁市集聚区 {i + 1} 号楼",
            )
        _token, secret = services.api_token_create(actor=actor, name="bench", scope="read")
    events = audit_events(actor).count()  # through the selector, as the house rules want
    return {"token": secret, "organisation_id": org.pk, "audit_events": events}


def main() -> int:
    if os.environ.get("BENCH_SEED") != "1":
        print("refusing to seed: set BENCH_SEED=1 (bench/http_bench.py does, on a throwaway database)", file=sys.stderr)
        return 2
    import django

    django.setup()
    print(json.dumps(seed()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
