"""Data for the generic permission suite: an order's samples, labels, label scanning and messages (pages and API).

Each builder makes an ACCEPTED order between `org` and a fresh counterpart, with data that only the two parties
may see (`secret`); the suite checks that another organisation of the same kind gets 404 and never sees it.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from tichub.accounts.choices import Role
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case
from tichub.marketplace import message_services, sample_services
from tichub.marketplace.labels import label_text

from .sample_world import actor_of, order_row

SECRET = "secret-sample-7c1e"  # ASCII: the API answers JSON with \\u escapes
MESSAGE = "secret-message-52ad"


def _enterprise_order(org, user):
    """An accepted order of enterprise `org` (user: its allowed member) with one declared sample."""
    institution = InstitutionFactory()
    order = order_row(org, institution, created_by=user, submitted_by=member(institution, Role.RECEPTION))
    actor = actor_of(org, user, Role.ENTERPRISE_OWNER)
    [sample] = sample_services.sample_announce(
        actor=actor, order_id=order.pk, samples=[{"description": SECRET, "quantity": "1 袋"}]
    )
    return order, sample


def _institution_order(org, user):
    """An accepted order to institution `org` with one declared sample."""
    enterprise = OrganisationFactory()
    owner = member(enterprise, Role.ENTERPRISE_OWNER)
    order = order_row(enterprise, org, created_by=owner, submitted_by=user)
    actor = actor_of(enterprise, owner, Role.ENTERPRISE_OWNER)
    [sample] = sample_services.sample_announce(
        actor=actor, order_id=order.pk, samples=[{"description": SECRET, "quantity": "1 袋"}]
    )
    return order, sample


def _with_message(org, user):
    order, _ = _enterprise_order(org, user)
    reception = member(order.institution, Role.RECEPTION)
    message = message_services.message_post(
        actor=actor_of(order.institution, reception, Role.RECEPTION),
        order_id=order.pk,
        body=MESSAGE,
        files=[SimpleUploadedFile("说明.txt", b"attachment")],
    )
    return order, message


def _samples_page(org, user):
    order, _ = _enterprise_order(org, user)
    return Setup(kwargs={"pk": order.pk}, secret=SECRET)


def _dispatch_page(org, user):
    order, _ = _enterprise_order(org, user)
    return Setup(kwargs={"pk": order.pk}, data={"courier": "EMS", "tracking": "E1"})


def _scan_page(org, user):
    order, sample = _institution_order(org, user)
    return Setup(query={"text": label_text(sample.reference, order.number)}, secret=SECRET)


def _messages_page(org, user):
    order, _ = _with_message(org, user)
    return Setup(kwargs={"pk": order.pk}, secret=MESSAGE)


def _attachment_page(org, user):
    order, message = _with_message(org, user)
    return Setup(kwargs={"pk": order.pk, "attachment_id": message.attachments.get().pk})


def _samples_api(org, user):
    order, _ = _enterprise_order(org, user)
    return Setup(kwargs={"order_id": order.pk}, secret=SECRET)


def _announce_api(org, user):
    order, _ = _enterprise_order(org, user)
    return Setup(kwargs={"order_id": order.pk}, data={"samples": [{"description": "第二件", "quantity": "1"}]})


def _dispatch_api(org, user):
    order, _ = _enterprise_order(org, user)
    return Setup(kwargs={"order_id": order.pk}, data={"courier": "EMS"})


def _messages_api(org, user):
    order, _ = _with_message(org, user)
    return Setup(kwargs={"order_id": order.pk}, secret=MESSAGE)


def _post_message_api(org, user):
    order, _ = _enterprise_order(org, user)
    return Setup(kwargs={"order_id": order.pk}, data={"body": "你好"})


def _read_api(org, user):
    order, _ = _with_message(org, user)
    return Setup(kwargs={"order_id": order.pk})


def _attachment_api(org, user):
    order, message = _with_message(org, user)
    return Setup(kwargs={"order_id": order.pk, "attachment_id": message.attachments.get().pk})


def _unread_api(org, user):
    order, _ = _with_message(org, user)
    return Setup(secret=order.number)


case("marketplace:order_samples", kind="enterprise", build=_samples_page)
case("marketplace:order_samples_dispatch", method="POST", kind="enterprise", build=_dispatch_page)
case("marketplace:order_labels", kind="enterprise", build=_samples_page)
case("marketplace:order_messages", kind="enterprise", build=_messages_page)
case("marketplace:message_attachment", kind="enterprise", build=_attachment_page)
case("marketplace:sample_scan", kind="institution", build=_scan_page)

case("GET /api/v1/market/orders/{order_id}/samples", kind="enterprise", build=_samples_api)
case("POST /api/v1/market/orders/{order_id}/samples", method="POST", kind="enterprise", build=_announce_api)
case("POST /api/v1/market/orders/{order_id}/samples/dispatch", method="POST", kind="enterprise", build=_dispatch_api)
case("GET /api/v1/market/samples/lookup", kind="institution", build=_scan_page)
case("GET /api/v1/market/orders/{order_id}/messages", kind="enterprise", build=_messages_api)
case("POST /api/v1/market/orders/{order_id}/messages", method="POST", kind="enterprise", build=_post_message_api)
case("POST /api/v1/market/orders/{order_id}/messages/read", method="POST", kind="enterprise", build=_read_api)
case("GET /api/v1/market/orders/{order_id}/attachments/{attachment_id}", kind="enterprise", build=_attachment_api)
case("GET /api/v1/market/messages/unread", kind="enterprise", build=_unread_api)
