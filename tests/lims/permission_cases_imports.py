"""Permission cases for the laboratory imports routes (core.testing.permissions).

Each builder makes, for institution `org`, a received sample with one pending test and a calibrated instrument,
and (where the route needs one) an import of a CSV file uploaded by `user` (an allowed analyst of `org`). The
file's name, or the instrument mapping's header, is the `secret` another institution must never see.
"""

import base64
import datetime as dt
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.testing.factories import OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case
from tichub.lims import import_services
from tichub.lims.models import LabSample, Test
from tichub.marketplace.choices import OrderStatus
from tichub.metrology.models import Instrument
from tichub.standards.models import StandardEdition

from ..marketplace.sample_world import actor_of, order_row

SECRET_FILE = "secret-import-8c2d.csv"  # ASCII: the API answers JSON with \\u escapes
SECRET_HEADER = "secret-header-41b7"
COLUMNS = {"sample": "Sample", "keyword": "Analyte", "value": "Conc", "unit": "Unit"}
_numbers = itertools.count(1)


def _lab(org, user):
    """A received sample of `org` with a pending lead test, and a calibrated instrument."""
    n = next(_numbers)
    enterprise = OrganisationFactory()
    order = order_row(
        enterprise, org, status=OrderStatus.RECEIVED, created_by=member(enterprise, Role.ENTERPRISE_OWNER)
    )
    edition = StandardEdition.objects.create(
        canonical=f"GB 5009.{900 + n}-2017", base=f"GB 5009.{900 + n}", edition_key=f"gb5009.{900 + n}-2017",
        base_key=f"gb5009.{900 + n}", prefix="GB", number=f"5009.{900 + n}", year=2017, family="GB", title_zh="铅",
    )  # fmt: skip
    today = timezone.localdate()
    sample = LabSample.objects.create(
        institution=org, enterprise=enterprise, order=order, number=f"P{n:05d}", description="白砂糖", quantity="1 kg",
        received_at=timezone.now(), received_by=user, retention_until=today + dt.timedelta(days=90),
    )  # fmt: skip
    Test.objects.create(
        institution=org, sample=sample, order=order, keyword="pb", parameter="铅", standard=edition,
        decision_rule="simple", unit="mg/kg", places=3,
    )  # fmt: skip
    instrument = Instrument.objects.create(
        institution=org, asset_number=f"ICP-{n}", name="ICP-MS",
        calibrated_on=today - dt.timedelta(days=10), calibration_due=today + dt.timedelta(days=300),
    )  # fmt: skip
    return sample, instrument


def _content(sample) -> bytes:
    return f"Sample,Analyte,Conc,Unit\n{sample.number},pb,0.12,mg/kg\n".encode()


def _previewed(org, user):
    sample, instrument = _lab(org, user)
    return import_services.import_preview(
        actor=actor_of(org, user, Role.ANALYST),
        file=SimpleUploadedFile(SECRET_FILE, _content(sample)),
        instrument_id=instrument.pk,
        columns=COLUMNS,
    )


def _new_page(org, user):
    _previewed(org, user)
    return Setup(secret=SECRET_FILE)


def _import_page(org, user):
    return Setup(kwargs={"pk": _previewed(org, user).pk}, secret=SECRET_FILE)


def _recheck_page(org, user):
    return Setup(kwargs={"pk": _previewed(org, user).pk}, data={**COLUMNS, "delimiter": ","})


def _mapping_api(org, user):
    _sample, instrument = _lab(org, user)
    import_services.mapping_save(
        actor=actor_of(org, user, Role.ANALYST),
        instrument_id=instrument.pk,
        columns={**COLUMNS, "measured_on": SECRET_HEADER},
        delimiter=",",
    )
    return Setup(
        kwargs={"instrument_id": instrument.pk}, data={"columns": COLUMNS, "delimiter": ","}, secret=SECRET_HEADER
    )


def _upload_api(org, user):
    sample, _instrument = _lab(org, user)
    content = base64.b64encode(_content(sample)).decode()
    return Setup(data={"file_name": "upload.csv", "content_base64": content, "columns": COLUMNS})


def _import_api(org, user):
    return Setup(kwargs={"import_id": _previewed(org, user).pk}, secret=SECRET_FILE)


case("lims:import_new", kind="institution", build=_new_page)
case("lims:import_detail", kind="institution", build=_import_page)
case("lims:import_apply", method="POST", kind="institution", build=_import_page)
case("lims:import_recheck", method="POST", kind="institution", build=_recheck_page)
case("GET /api/v1/lab/instruments/{instrument_id}/mapping", kind="institution", build=_mapping_api)
case("PUT /api/v1/lab/instruments/{instrument_id}/mapping", method="PUT", kind="institution", build=_mapping_api)
case("POST /api/v1/lab/imports", method="POST", kind="institution", build=_upload_api)
case("GET /api/v1/lab/imports/{import_id}", kind="institution", build=_import_api)
case("POST /api/v1/lab/imports/{import_id}/apply", method="POST", kind="institution", build=_import_api)
