"""Permission cases for the laboratory samples routes (core.testing.permissions).

Each builder makes, for institution `org`, an accepted order of a fresh enterprise with one announced sample
(received where the route needs a laboratory sample); its description is the `secret` another institution must
never see.
"""

from tichub.accounts.choices import Role
from tichub.core.testing.factories import OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case
from tichub.lims import sample_services
from tichub.marketplace import sample_services as announcements

from ..marketplace.sample_world import actor_of, order_row

SECRET = "secret-lab-sample-3f9a"  # ASCII: the API answers JSON with \\u escapes


def _announced(org, user):
    enterprise = OrganisationFactory()
    owner = member(enterprise, Role.ENTERPRISE_OWNER)
    order = order_row(enterprise, org, created_by=owner, submitted_by=user)
    [announced] = announcements.sample_announce(
        actor=actor_of(enterprise, owner, Role.ENTERPRISE_OWNER),
        order_id=order.pk,
        samples=[{"description": SECRET, "quantity": "1 kg"}],
    )
    return announced


def _received(org, user):
    announced = _announced(org, user)
    return sample_services.sample_receive(
        actor=actor_of(org, user, Role.RECEPTION),
        announcement_id=announced.pk,
        condition="intact",
        seal_intact=True,
        storage_location="样品室 A-01",
    )


def _desk(org, user):
    _announced(org, user)
    return Setup(secret=SECRET)


def _announcement_page(org, user):
    return Setup(kwargs={"pk": _announced(org, user).pk}, secret=SECRET)


def _list(org, user):
    _received(org, user)
    return Setup(secret=SECRET)


def _sample_page(org, user):
    return Setup(kwargs={"pk": _received(org, user).pk}, secret=SECRET)


def _custody_page(org, user):
    return Setup(kwargs={"pk": _received(org, user).pk}, data={"kind": "move", "move-to_location": "冷库 B-02"})


def _split_page(org, user):
    form = {"parts-TOTAL_FORMS": "3", "parts-INITIAL_FORMS": "0", "parts-MIN_NUM_FORMS": "0"}
    row = {"parts-0-description": "分样", "parts-0-quantity": "100 g", "parts-MAX_NUM_FORMS": "20"}
    return Setup(kwargs={"pk": _received(org, user).pk}, data={**form, **row})


def _dispose_page(org, user):
    return Setup(kwargs={"pk": _received(org, user).pk}, data={"method": "焚烧", "early_reason": "客户要求提前处置"})


def _sample_api(org, user):
    return Setup(kwargs={"sample_id": _received(org, user).pk}, secret=SECRET)


def _lookup_api(org, user):
    return Setup(query={"code": _announced(org, user).reference}, secret=SECRET)


def _receive_api(org, user):
    return Setup(data={"announcement_id": _announced(org, user).pk, "condition": "intact", "seal_intact": True})


def _parts_api(org, user):
    sample = _received(org, user)
    return Setup(kwargs={"sample_id": sample.pk}, data={"parts": [{"description": "分样", "quantity": "100 g"}]})


def _custody_api(org, user):
    return Setup(kwargs={"sample_id": _received(org, user).pk}, data={"kind": "move", "to_location": "冷库 B-02"})


def _dispose_api(org, user):
    sample = _received(org, user)
    return Setup(kwargs={"sample_id": sample.pk}, data={"method": "焚烧", "early_reason": "客户要求提前处置"})


case("lims:receive", kind="institution", build=_desk)
case("lims:receive_sample", kind="institution", build=_announcement_page)
case("lims:sample_list", kind="institution", build=_list)
case("lims:sample_detail", kind="institution", build=_sample_page)
case("lims:sample_label", kind="institution", build=_sample_page)
case("lims:sample_custody", method="POST", kind="institution", build=_custody_page)
case("lims:sample_split", method="POST", kind="institution", build=_split_page)
case("lims:sample_dispose", method="POST", kind="institution", build=_dispose_page)

case("GET /api/v1/lab/samples", kind="institution", build=_list)
case("GET /api/v1/lab/samples/{sample_id}", kind="institution", build=_sample_api)
case("GET /api/v1/lab/receipt/lookup", kind="institution", build=_lookup_api)
case("POST /api/v1/lab/samples/receive", method="POST", kind="institution", build=_receive_api)
case("POST /api/v1/lab/samples/{sample_id}/parts", method="POST", kind="institution", build=_parts_api)
case("POST /api/v1/lab/samples/{sample_id}/custody", method="POST", kind="institution", build=_custody_api)
case("POST /api/v1/lab/samples/{sample_id}/dispose", method="POST", kind="institution", build=_dispose_api)
