"""Reads of signing keys. An institution sees its own keys ("trust.keys.view"); the trust list (public data: kids,
public keys, validity, status) is read whole by trust_list_selectors; private keys leave the database only through
sign_services and key_services, decrypted in memory for one signing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .choices import INSTITUTION_PURPOSES, PLATFORM_PURPOSES, KeyPurpose, KeyStatus
from .models import SigningKey

VIEW = "trust.keys.view"


def key_not_found() -> NotFound:
    return NotFound(_("没有找到这个签名密钥。"))


def keys_of(actor: Actor) -> QuerySet[SigningKey]:
    """The institution's keys, newest first (every status: retired and revoked keys stay on record)."""
    actor.require(VIEW)
    return SigningKey.objects.filter(organisation_id=actor.tenant_id).order_by("-created_at", "-id")


def key_get(actor: Actor, key_id: int) -> SigningKey:
    """One of the institution's keys; NotFound for another organisation's key or a platform key."""
    actor.require(VIEW)
    key = SigningKey.objects.filter(pk=key_id, organisation_id=actor.tenant_id).first()
    if key is None:
        raise key_not_found()
    return key


def active_key(organisation_id: int, purpose: str) -> SigningKey | None:
    """The organisation's active key for `purpose` (at most one: a database constraint)."""
    return SigningKey.objects.filter(organisation_id=organisation_id, purpose=purpose, status=KeyStatus.ACTIVE).first()


def platform_key(purpose: KeyPurpose) -> SigningKey | None:
    """The platform's active root CA or trust-list key (public data; the private part stays sealed)."""
    return SigningKey.objects.filter(organisation__isnull=True, purpose=purpose, status=KeyStatus.ACTIVE).first()


def trust_list_state() -> tuple[int, dt.datetime | None]:
    """(number of keys, time of the last change to any key): what the published trust list depends on."""
    found = SigningKey.objects.aggregate(count=Count("id"), last=Max("updated_at"))
    return int(found["count"] or 0), found["last"]


def trust_list_keys() -> tuple[list[SigningKey], list[SigningKey]]:
    """Every platform key and every institution key, whatever its status (revoked keys must be listed), with the
    institution's names: two queries however many institutions there are."""
    platform = list(SigningKey.objects.filter(purpose__in=sorted(PLATFORM_PURPOSES)))
    institution = list(
        SigningKey.objects.filter(purpose__in=sorted(INSTITUTION_PURPOSES))
        .select_related("organisation")
        .only(
            "kid",
            "purpose",
            "algorithm",
            "public_key",
            "certificate_pem",
            "not_before",
            "not_after",
            "status",
            "retired_at",
            "revoked_at",
            "revocation_reason",
            "organisation__id",
            "organisation__name_zh",
            "organisation__name_en",
        )
        .order_by("organisation_id", "kid")
    )
    return platform, institution
