"""Builders for the instrument tests: an institution with its people and a few instruments, and a second one.

`register_world()` gives `r.org` with a quality manager (`r.keeper_actor`, may manage instruments), a metrologist
and an analyst (reads only), and `r.other` (another institution, with its own keeper) for cross-tenant checks.
`instrument(org, **fields)` adds an instrument as a row.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.accounts.models import Organisation, User
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.metrology.models import Instrument

_numbers = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


@dataclass
class RegisterWorld:
    org: Organisation
    keeper: User
    metrologist: User
    analyst: User
    other: Organisation
    other_keeper: User

    @property
    def keeper_actor(self) -> Actor:
        return Actor(user=self.keeper, organisation=self.org, roles=frozenset({Role.QUALITY_MANAGER}))

    @property
    def metrologist_actor(self) -> Actor:
        return Actor(user=self.metrologist, organisation=self.org, roles=frozenset({Role.METROLOGIST}))

    @property
    def analyst_actor(self) -> Actor:
        return Actor(user=self.analyst, organisation=self.org, roles=frozenset({Role.ANALYST}))

    @property
    def other_actor(self) -> Actor:
        return Actor(user=self.other_keeper, organisation=self.other, roles=frozenset({Role.QUALITY_MANAGER}))


def register_world() -> RegisterWorld:
    org = InstitutionFactory(name_zh="广西计量检测中心")
    other = InstitutionFactory(name_zh="另一家检测中心")
    return RegisterWorld(
        org=org,
        keeper=member(org, Role.QUALITY_MANAGER),
        metrologist=member(org, Role.METROLOGIST),
        analyst=member(org, Role.ANALYST),
        other=other,
        other_keeper=member(other, Role.QUALITY_MANAGER),
    )


def instrument(org: Organisation, **fields: object) -> Instrument:
    n = next(_numbers)
    values: dict[str, object] = {
        "asset_number": f"EQ-{n:03d}",
        "name": f"仪器 {n}",
        "calibrated_on": days(-100),
        "calibration_due": days(265),
    }
    values.update(fields)
    return Instrument.objects.create(institution=org, **values)
