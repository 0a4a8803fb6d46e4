"""The standards catalogue: editions with their year, status and replacements (curated by the operator)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AdoptionRelation, StandardStatus


class StandardEdition(models.Model):
    """One edition of a standard, e.g. GB/T 2828.1-2012. `base_key` groups the editions of one standard."""

    canonical = models.CharField(_("标准号"), max_length=80, unique=True)
    base = models.CharField(max_length=80)
    edition_key = models.CharField(max_length=80, unique=True)
    base_key = models.CharField(max_length=80, db_index=True)
    prefix = models.CharField(max_length=20)
    number = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    family = models.CharField(max_length=20)
    mandatory = models.BooleanField(default=False)
    title_zh = models.CharField(_("中文名称"), max_length=300)
    title_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    ics = models.CharField(_("ICS 分类号"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=StandardStatus.choices, default=StandardStatus.CURRENT)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_on = models.DateField(_("实施日期"), null=True, blank=True)
    withdrawn_on = models.DateField(_("废止日期"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces", verbose_name=_("被代替为")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["base_key", "-year"]
        verbose_name = _("标准")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StandardStatus.values), name="standard_status_valid"),
            models.CheckConstraint(condition=~Q(replaced_by=models.F("pk")), name="standard_not_replaced_by_itself"),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(withdrawn_on__gte=models.F("effective_on")),
                name="standard_withdrawn_after_effective",
            ),
        ]

    def __str__(self) -> str:
        return self.canonical

    @property
    def is_withdrawn(self) -> bool:
        return self.status == StandardStatus.WITHDRAWN


class Adoption(models.Model):
    """A national standard adopting an international one (GB/T 2828.1-2012 IDT ISO 2859-1:1999)."""

    edition = models.ForeignKey(StandardEdition, on_delete=models.CASCADE, related_name="adoptions")
    adopts = models.ForeignKey(StandardEdition, on_delete=models.PROTECT, related_name="adopted_by")
    relation = models.CharField(max_length=3, choices=AdoptionRelation.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["edition", "adopts"], name="adoption_unique"),
            models.CheckConstraint(condition=Q(relation__in=AdoptionRelation.values), name="adoption_relation_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.edition_id} {self.relation} {self.adopts_id}"
