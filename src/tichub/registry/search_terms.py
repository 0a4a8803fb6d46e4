"""Understanding a typed need: which known objects and parameters its words name, in Chinese or in English.

One scan of the small Term table (distinct object and parameter names, a few thousand rows) finds the names that
contain a typed word (as-you-type prefixes: 白砂 → 白砂糖) or that are contained whole in the typed text (Chinese
needs no spaces: 白砂糖中的铅 names 白砂糖 and 铅). Parameter aliases (铅 / Pb / lead) are applied to every name.
The result is a plan of indexed keys for the scope rows: object term ids and canonical parameter keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import StrIndex

from .choices import TermKind
from .models import Term
from .normalise import normalise
from .services import parameter_key

#: Terms (distinct names) one search may match at most.
MAX_TERMS = 2000
MAX_PARAMETERS = 20
TEXT_LIMIT = 200

# Words that join a need in English and Chinese but name nothing ("lead in sugar", "糖中的铅").
_STOPWORDS = frozenset(
    {"in", "of", "the", "and", "for", "a", "an", "on", "by", "with", "to", "test", "testing", "determination",
     "检测", "测定", "检验", "的", "中", "和", "及", "与"}
)  # fmt: skip
_SPLIT = re.compile(r"[\s,;:/()\[\]{}<>\"'?!。？！]+")
_PARAMETER_SEPARATORS = re.compile(r"[,;\n\r、，；]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Words around names in Chinese that name nothing themselves ("铅含量", "白砂糖中的铅").
_FILLERS = re.compile(r"\s+|含量|残留量|残留|测定|检测|检验|分析|项目|指标|需要|请|的|中|和|及|与|在|里|内|之|对|做|要")
_SEPARATOR = "\x1f"  # joins typed texts for one reverse test; normalised names never contain it


def split_parameters(values: Iterable[str]) -> tuple[str, ...]:
    """Parameters as people type them: repeated fields, or one field separated by , 、 ; or new lines."""
    seen: dict[str, str] = {}
    for value in values:
        for part in _PARAMETER_SEPARATORS.split(value or ""):
            part = part.strip()
            if part and normalise(part) not in seen:
                seen[normalise(part)] = part[:TEXT_LIMIT]
    return tuple(seen.values())[:MAX_PARAMETERS]


def words(text: str) -> list[str]:
    """The words of a text that may name something (stop words and single Latin letters dropped)."""
    return [w for w in _SPLIT.split(normalise(text)) if w and w not in _STOPWORDS and (_CJK.search(w) or len(w) > 1)]


def occurs(name: str, text: str) -> bool:
    """Whether a name appears in a text: anywhere for Chinese, on word boundaries for Latin script."""
    if not name or name not in text:
        return False
    if _CJK.search(name):
        return True
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


@dataclass(frozen=True)
class TermInfo:
    id: int
    kind: str
    key: str
    name_zh: str
    name_en: str
    search: str
    en_key: str
    parameter_key: str = ""  # the canonical key of a parameter's rows (aliases applied)


@dataclass
class Piece:
    """A part of typed text that names something: a name found whole, or a word matched inside names."""

    text: str
    objects: set[int] = field(default_factory=set)
    parameter_keys: set[str] = field(default_factory=set)


def pieces_of(text: str, terms: Sequence[TermInfo], aliases: dict[str, str]) -> tuple[list[Piece], list[str]]:
    """Split typed text into the pieces that name known objects or parameters, and the words that name nothing.

    Names found whole inside the text are pieces, the longest winning over the names they contain (四乙基铅 over
    铅). The remaining words match the names that contain them.
    """
    typed = normalise(text)
    phrases: dict[str, Piece] = {}
    for term in terms:
        for name in {term.key, term.en_key}:
            if occurs(name, typed):
                piece = phrases.setdefault(name, Piece(name))
                if term.kind == TermKind.OBJECT:
                    piece.objects.add(term.id)
                else:
                    piece.parameter_keys.add(term.parameter_key)
    for alias, canonical in aliases.items():
        if occurs(alias, typed):
            phrases.setdefault(alias, Piece(alias)).parameter_keys.add(canonical)
    maximal = [p for name, p in phrases.items() if not any(name != other and name in other for other in phrases)]
    pieces = list(maximal)
    unrecognised: list[str] = []
    for word in words(text):
        if any(word in p.text for p in maximal):
            continue
        inside = [p.text for p in maximal if occurs(p.text, word)]
        if inside:
            # Chinese without spaces: what is left around the names found (榴莲 in 榴莲中的铅) names nothing known.
            for name in inside:
                word = word.replace(name, " ")
            unrecognised += [f for f in _FILLERS.split(word) if len(f.strip()) > 1]
            continue
        piece = Piece(word)
        if word in aliases:
            piece.parameter_keys.add(aliases[word])
        for term in terms:
            if word in term.search:
                if term.kind == TermKind.OBJECT:
                    piece.objects.add(term.id)
                else:
                    piece.parameter_keys.add(term.parameter_key)
        if piece.objects or piece.parameter_keys:
            pieces.append(piece)
        else:
            unrecognised.append(word)
    return pieces, unrecognised


def terms_for(texts: Iterable[str], aliases: dict[str, str]) -> list[TermInfo]:
    """One scan of the Term table: names containing a typed word, or contained whole in a typed text.

    The reverse test is `instr`/`strpos` against all typed texts joined by a separator no name contains, which
    costs a tenth of a LIKE built from each name.
    """
    typed = [normalise(text) for text in texts if normalise(text)]
    if not typed:
        return []
    condition = Q(inside__gt=0) & ~Q(key="")
    for text in typed:
        for word in words(text):
            condition |= Q(search__contains=word)
    found = (
        Term.objects.annotate(inside=StrIndex(Value(_SEPARATOR.join(typed), output_field=CharField()), F("key")))
        .filter(condition)
        .values_list("id", "kind", "key", "name_zh", "name_en", "search")[:MAX_TERMS]
    )
    return [
        TermInfo(
            id=term_id,
            kind=kind,
            key=key,
            name_zh=name_zh,
            name_en=name_en,
            search=search,
            en_key=normalise(name_en),
            parameter_key=parameter_key(name_zh, name_en, aliases) if kind == TermKind.PARAMETER else "",
        )
        for term_id, kind, key, name_zh, name_en, search in found
    ]


@dataclass
class Unit:
    """A requested parameter (its label, the keys its rows may have, its canonical key for the demand record) or,
    with keys None, the whole need when no parameter is named."""

    label: str
    keys: frozenset[str] | None
    key: str = ""


@dataclass
class Plan:
    units: list[Unit]
    parameter_keys: set[str] | None = None  # rows must have one of these keys (None: no parameter filter)
    object_ids: set[int] | None = None  # rows must test one of these objects (None: no object filter)
    either: tuple[set[int], set[str]] | None = None  # free text naming objects or parameters alike
    unrecognised: list[str] = field(default_factory=list)


def _unit(label: str, exact: str, found: set[str]) -> Unit:
    """A unit whose canonical key is the one its rows carry: the alias-resolved name, or the one term it names."""
    key = exact if exact in found or len(found) != 1 else next(iter(found))
    return Unit(label.strip()[:TEXT_LIMIT], frozenset(found | {exact}), key)


def plan_need(
    *, object_text: str, parameters: Sequence[str], q: str, standard_given: bool, aliases: dict[str, str]
) -> Plan:
    """Resolve the typed parts of a need into indexed keys (see the module's docstring)."""
    parameters = [p for p in parameters if normalise(p)]
    terms = terms_for([object_text, q, *parameters], aliases)
    plan = Plan(units=[])
    # Objects named explicitly: an unknown object means no row can match (not "any object").
    if normalise(object_text):
        pieces, unknown = pieces_of(object_text, [t for t in terms if t.kind == TermKind.OBJECT], {})
        plan.object_ids = {i for p in pieces for i in p.objects}
        plan.unrecognised += unknown if not plan.object_ids else []
    # Parameters named explicitly: the alias-resolved key, and names typed loosely ("铅含量", "lead").
    for text in parameters:
        typed = normalise(text)
        exact = parameter_key(text, aliases=aliases)
        named = {t.parameter_key for t in terms if t.kind == TermKind.PARAMETER and typed in (t.key, t.en_key)}
        if typed not in aliases and not named:
            pieces, _unknown = pieces_of(text, [t for t in terms if t.kind == TermKind.PARAMETER], aliases)
            named = {k for p in pieces for k in p.parameter_keys}
        plan.units.append(_unit(text, exact, named))
    # Free text: pieces naming objects narrow the objects; pieces naming only parameters are requested parameters.
    if normalise(q):
        pieces, unknown = pieces_of(q, terms, aliases)
        plan.unrecognised += unknown
        object_pieces = [p for p in pieces if p.objects]
        parameter_pieces = [p for p in pieces if p.parameter_keys and not p.objects]
        others = bool(plan.units) or plan.object_ids is not None or standard_given
        if not pieces:
            if not others:
                plan.object_ids = set()  # the text names nothing known and nothing else narrows: nothing matches
        elif parameter_pieces or others:
            if object_pieces:
                found = {i for p in object_pieces for i in p.objects}
                plan.object_ids = found if plan.object_ids is None else plan.object_ids | found
            for piece in parameter_pieces:
                plan.units.append(_unit(piece.text, parameter_key(piece.text, aliases=aliases), piece.parameter_keys))
        elif any(p.parameter_keys for p in pieces):
            # Only words naming objects, some of them parameters too ("sugar": 白砂糖 and 总糖): either will do.
            plan.either = ({i for p in pieces for i in p.objects}, {k for p in pieces for k in p.parameter_keys})
        else:
            plan.object_ids = {i for p in pieces for i in p.objects}
    # One unit per distinct set of keys ("铅" and "Pb" asked together are one parameter).
    distinct: dict[frozenset[str] | None, Unit] = {}
    for unit in plan.units:
        distinct.setdefault(unit.keys, unit)
    plan.units = list(distinct.values())[:MAX_PARAMETERS]
    if plan.units:
        plan.parameter_keys = {k for u in plan.units for k in (u.keys or ())}
    return plan
