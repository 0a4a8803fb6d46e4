"""Data for the generic permission suite: needs and quotes, pages and API operations.

Enterprise routes build a need owned by `org`; institution routes build a request for a quote addressed to `org`
from a fresh enterprise. The need's title is the secret another tenant must never see.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case
from tichub.marketplace.models import Quote
from tichub.marketplace.need_services import need_attach, need_create, need_send
from tichub.marketplace.quote_services import quote_submit

SECRET = "secret-need-4f2a9c"
API = "/api/v1/market"


def _deadline() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)


def _items() -> list[dict]:
    return [{"object_text": "白砂糖", "parameter": "铅", "standard_code": "GB 5009.12-2017", "upper_limit": "0.5"}]


def _need(org, user):
    actor = Actor(user=user, organisation=org, roles=frozenset({Role.ENTERPRISE_OWNER}))
    need = need_create(
        actor=actor,
        title=SECRET,
        product_description="白砂糖",
        sample_count=1,
        deadline=_deadline(),
        decision_rule="simple",
        accredited_required=True,
        confidential=False,
        items=_items(),
    )
    return actor, need


def _institution():
    inst = InstitutionFactory()
    admin = member(inst, Role.INSTITUTION_ADMIN)
    return inst, Actor(user=admin, organisation=inst, roles=frozenset({Role.INSTITUTION_ADMIN}))


def _request_to(institution, *, submitted=False, by=None):
    """A need of a fresh enterprise sent to `institution` (submitted by `by`, an institution actor, if asked)."""
    enterprise = OrganisationFactory()
    _actor, need = _need(enterprise, member(enterprise, Role.ENTERPRISE_OWNER))
    need_send(actor=_actor, need_id=need.pk, institution_ids=[institution.pk])
    quote = Quote.objects.get(need=need)
    if submitted:
        _submit(by, quote)
    return need, quote


def _submit(actor, quote):
    item = quote.need.items.get()
    quote_submit(
        actor=actor,
        quote_id=quote.pk,
        lines=[{"item_id": item.pk, "price": Decimal("100.00"), "quantity": 1}],
        turnaround_days=5,
        valid_until=timezone.localdate() + dt.timedelta(days=10),
    )


# --- enterprise -------------------------------------------------------------------------------------------------


def need_by_pk(org, user):
    return Setup(kwargs={"pk": _need(org, user)[1].pk}, secret=SECRET)


def need_by_id(org, user):
    return Setup(kwargs={"need_id": _need(org, user)[1].pk}, secret=SECRET)


def send_form(org, user):
    need = _need(org, user)[1]
    return Setup(kwargs={"pk": need.pk}, data={"others": [InstitutionFactory().pk]})


def send_json(org, user):
    need = _need(org, user)[1]
    return Setup(kwargs={"need_id": need.pk}, data={"institution_ids": [InstitutionFactory().pk]})


def cancel_form(org, user):
    return Setup(kwargs={"pk": _need(org, user)[1].pk}, data={"reason": "不做了"})


def cancel_json(org, user):
    return Setup(kwargs={"need_id": _need(org, user)[1].pk}, data={"reason": "不做了"})


def attach_form(org, user):
    return Setup(kwargs={"pk": _need(org, user)[1].pk}, data={"file": SimpleUploadedFile("spec.txt", b"spec")})


def attachment(org, user):
    actor, need = _need(org, user)
    file = need_attach(actor=actor, need_id=need.pk, uploaded_file=SimpleUploadedFile("spec.txt", b"spec"))
    return Setup(kwargs={"pk": need.pk, "attachment_pk": file.pk})


def _submitted_quote_of(org, user):
    actor, need = _need(org, user)
    inst, inst_actor = _institution()
    need_send(actor=actor, need_id=need.pk, institution_ids=[inst.pk])
    quote = Quote.objects.get(need=need)
    _submit(inst_actor, quote)
    return quote


def accept_form(org, user):
    return Setup(kwargs={"pk": _submitted_quote_of(org, user).pk})


def accept_json(org, user):
    return Setup(kwargs={"quote_id": _submitted_quote_of(org, user).pk})


def new_need_json(org, user):
    return Setup(
        data={
            "title": "新需求",
            "product_description": "白砂糖",
            "deadline": _deadline().isoformat(),
            "items": _items(),
        }
    )


def need_list_json(org, user):
    _need(org, user)
    return Setup(secret=SECRET)


# --- institution ------------------------------------------------------------------------------------------------


def quote_by_pk(org, user):
    return Setup(kwargs={"pk": _request_to(org)[1].pk}, secret=SECRET)


def quote_by_id(org, user):
    return Setup(kwargs={"quote_id": _request_to(org)[1].pk}, secret=SECRET)


def decline_form(org, user):
    return Setup(kwargs={"pk": _request_to(org)[1].pk}, data={"reason": "排期已满"})


def decline_json(org, user):
    return Setup(kwargs={"quote_id": _request_to(org)[1].pk}, data={"reason": "排期已满"})


def submit_json(org, user):
    need, quote = _request_to(org)
    item = need.items.get()
    return Setup(
        kwargs={"quote_id": quote.pk},
        data={
            "lines": [{"item_id": item.pk, "price": "100.00", "quantity": 1}],
            "turnaround_days": 5,
            "valid_until": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        },
    )


def inbox(org, user):
    _request_to(org)
    return Setup(secret=SECRET)


E, INST = "enterprise", "institution"
case("marketplace:need_list", kind=E, build=need_list_json)
case("marketplace:need_detail", kind=E, build=need_by_pk)
case("marketplace:need_edit", kind=E, build=need_by_pk)
case("marketplace:need_send", method="POST", kind=E, build=send_form)
case("marketplace:need_cancel", method="POST", kind=E, build=cancel_form)
case("marketplace:need_attach", method="POST", kind=E, build=attach_form)
case("marketplace:need_attachment", kind=E, build=attachment)
case("marketplace:quote_accept", method="POST", kind=E, build=accept_form)
case("marketplace:quote_inbox", kind=INST, build=inbox)
case("marketplace:quote_edit", kind=INST, build=quote_by_pk)
case("marketplace:quote_decline", method="POST", kind=INST, build=decline_form)

case(f"GET {API}/needs", kind=E, build=need_list_json)
case(f"POST {API}/needs", method="POST", kind=E, build=new_need_json)
case(f"GET {API}/needs/{{need_id}}", kind=E, build=need_by_id)
case(f"POST {API}/needs/{{need_id}}/send", method="POST", kind=E, build=send_json)
case(f"POST {API}/needs/{{need_id}}/cancel", method="POST", kind=E, build=cancel_json)
case(f"GET {API}/needs/{{need_id}}/quotes", kind=E, build=need_by_id)
case(f"POST {API}/quotes/{{quote_id}}/accept", method="POST", kind=E, build=accept_json)
case(f"GET {API}/quotes", kind=INST, build=inbox)
case(f"GET {API}/quotes/{{quote_id}}", kind=INST, build=quote_by_id)
case(f"POST {API}/quotes/{{quote_id}}/submit", method="POST", kind=INST, build=submit_json)
case(f"POST {API}/quotes/{{quote_id}}/decline", method="POST", kind=INST, build=decline_json)
