"""Factories for the foundation's models. Tests build their own data; nothing is shared between tests."""

from __future__ import annotations

import factory
from stdnum.cn import uscc as stdnum_uscc

from tichub.accounts.choices import InstitutionLevel, OrganisationKind, Ownership
from tichub.accounts.models import Membership, Organisation, User

PASSWORD = "Correct-Horse-42"  # noqa: S105 (test password)


def valid_uscc(n: int) -> str:
    """A syntactically valid unified social credit code (GB 32100-2015) numbered n."""
    body = f"91450100{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"用户 {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.ENTERPRISE
    slug = factory.Sequence(lambda n: f"org-{n}")
    name_zh = factory.Sequence(lambda n: f"测试组织 {n}")
    name_en = factory.Sequence(lambda n: f"Test Organisation {n}")


class InstitutionFactory(OrganisationFactory):
    kind = OrganisationKind.INSTITUTION
    name_zh = factory.Sequence(lambda n: f"测试检测中心 {n}")
    ownership = Ownership.STATE
    level = InstitutionLevel.PROVINCIAL
    is_testing_laboratory = True


class OperatorFactory(OrganisationFactory):
    kind = OrganisationKind.OPERATOR


def member(organisation: Organisation, *roles: str, user: User | None = None) -> User:
    user = user or UserFactory()
    Membership.objects.bulk_create([Membership(user=user, organisation=organisation, role=r) for r in roles])
    return user


FACTORY_BY_KIND = {
    OrganisationKind.ENTERPRISE: OrganisationFactory,
    OrganisationKind.INSTITUTION: InstitutionFactory,
    OrganisationKind.OPERATOR: OperatorFactory,
}
