"""Permission cases for the delivery routes (core.testing.permissions): downloads, share links, the access log and
the public share pages.

Each builder makes a report as a row (tests/reports/share_world.py) owned by `org`: issued by it when `org` is an
institution, received by it when `org` is an enterprise. Its product is the secret another organisation must never
see; the share partial's link token and the access log's user agent are the secrets of the share and access lists.
"""

from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory
from tichub.core.testing.permissions import Setup, case
from tichub.reports.choices import AccessKind
from tichub.reports.models import ReportAccess

from .share_world import report_row, share_row

SECRET = "secret-share-7c1e"  # ASCII: the API answers JSON with \\u escapes


def _issued_by(org):
    return report_row(org, OrganisationFactory(), product=SECRET)


def _received_by(org):
    return report_row(InstitutionFactory(), org, product=SECRET)


def _download_lab(org, user):
    return Setup(kwargs={"report_id": _issued_by(org).pk})


def _download_enterprise(org, user):
    return Setup(kwargs={"report_id": _received_by(org).pk})


def _create(org, user):
    return Setup(kwargs={"report_id": _received_by(org).pk}, data={"recipient": "海关", "days": "30"})


def _create_api(org, user):
    return Setup(kwargs={"report_id": _received_by(org).pk}, data={"recipient": "海关", "days": 30})


def _revoke(org, user):
    share = share_row(_received_by(org))
    return Setup(kwargs={"share_id": share.pk}, data={})


def _shares(org, user):
    share = share_row(_received_by(org))
    return Setup(kwargs={"report_id": share.report_id}, secret=share.token)


def _accesses(org, user):
    report = _received_by(org)
    ReportAccess.objects.create(report=report, kind=AccessKind.DOWNLOAD, user=user, ip="192.0.2.9", user_agent=SECRET)
    return Setup(kwargs={"report_id": report.pk}, secret=SECRET)


def _open(org, user):
    share = share_row(_received_by(org))
    return Setup(kwargs={"token": share.token}, secret=SECRET)


def _file(org, user):
    share = share_row(_received_by(org))
    return Setup(kwargs={"token": share.token})


case("report_shares:download", kind="enterprise", build=_download_enterprise)
case("report_shares:create", method="POST", kind="enterprise", build=_create)
case("report_shares:revoke", method="POST", kind="enterprise", build=_revoke)
case("report_shares:open", kind="enterprise", build=_open)
case("report_shares:file", kind="enterprise", build=_file)

case("GET /api/v1/reports/{report_id}/pdf", kind="institution", build=_download_lab)
case("GET /api/v1/reports/{report_id}/shares", kind="enterprise", build=_shares)
case("POST /api/v1/reports/{report_id}/shares", method="POST", kind="enterprise", build=_create_api)
case("POST /api/v1/reports/shares/{share_id}/revoke", method="POST", kind="enterprise", build=_revoke)
case("GET /api/v1/reports/{report_id}/accesses", kind="enterprise", build=_accesses)
