import datetime as dt

from ninja import Field, Schema

from tichub.core.api_support import Error


class EditionRef(Schema):
    id: int
    canonical: str
    title_zh: str
    status: str


class StandardOut(Schema):
    id: int
    canonical: str = Field(description="The code in canonical form, e.g. 'GB/T 2828.1-2012'")
    base: str = Field(description="The standard without its year, e.g. 'GB/T 2828.1'")
    prefix: str
    number: str
    year: int | None
    family: str
    mandatory: bool
    title_zh: str
    title_en: str
    ics: str
    status: str = Field(description="current | upcoming | to_be_withdrawn | withdrawn")
    published_on: dt.date | None
    effective_on: dt.date | None
    withdrawn_on: dt.date | None
    replaced_by: EditionRef | None


class AdoptionOut(Schema):
    relation: str = Field(description="IDT (identical) | MOD (modified) | NEQ (not equivalent)")
    edition: EditionRef


class StandardDetailOut(StandardOut):
    editions: list[StandardOut] = Field(description="Every catalogued edition of the same standard, newest first")
    replacement_chain: list[EditionRef] = Field(description="This edition, then each edition that replaced it")
    replaces: list[EditionRef]
    adopts: list[AdoptionOut]
    adopted_by: list[AdoptionOut]


class ParsedCodeOut(Schema):
    canonical: str
    base: str
    prefix: str
    number: str
    year: int | None
    family: str
    mandatory: bool
    amendment: str | None
    edition_key: str
    base_key: str


class LookupOut(Schema):
    code: ParsedCodeOut
    edition: StandardOut | None = Field(description="The exact edition, if catalogued (None for an undated code)")
    current: EditionRef | None = Field(description="Where the edition's replacement chain ends")
    other_editions: list[StandardOut]


class LookupErrorOut(Error):
    suggestion: str | None = None


class WithdrawIn(Schema):
    on: dt.date | None = Field(None, description="Withdrawal date; default: the replacement's effective date")
    replaced_by: str | None = Field(None, max_length=80, description="Code of the replacing edition (catalogued)")
    reason: str = Field(max_length=500)


class ImpactOut(Schema):
    organisation_id: int
    organisation_zh: str
    organisation_en: str
    row_count: int


class WithdrawOut(Schema):
    edition: StandardOut
    impact: list[ImpactOut]


class ImportJsonIn(Schema):
    filename: str = Field(max_length=200)
    content_base64: str = Field(max_length=28_000_000)
    dry_run: bool = False


class ImportProblemOut(Schema):
    line: int
    column: str
    message: str


class ImportOut(Schema):
    filename: str
    rows: int
    committed: bool
    created: int
    updated: int
    unchanged: int
    references_added: int
    retired: list[str]
    institutions_notified: int
    problems: list[ImportProblemOut]
