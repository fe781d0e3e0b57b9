"""What each kind of import holds, and every row checked before anything is written.

Organizations and enterprises are matched with the directory by their unified social credit
code; needs by their stated key, the community and the title together. A row is new, an
update, unchanged (re-importing a file changes nothing) or in error; errors are sentences in
the reader's language, one per problem."""

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from funding.directory.models import (
    Community,
    Enterprise,
    LegalForm,
    Need,
    NeedSource,
    Organization,
    Party,
    ServiceCategory,
    Street,
)
from funding.extensions import db
from funding.labels import LEGAL_FORM_LABELS, NEED_SOURCE_LABELS
from funding.money import MoneyError, parse_yuan
from funding.validators import CodeError, normalise_credit_code, normalise_mobile


class Kind(enum.StrEnum):
    ORGANIZATIONS = "organizations"
    ENTERPRISES = "enterprises"
    NEEDS = "needs"


class RowError(ValueError):
    """A cell that cannot be imported; the message is shown beside the row."""


@dataclass(frozen=True)
class Field:
    key: str
    title: object  # a lazy translated string
    required: bool = False
    example: str = ""


FIELDS = {
    Kind.ORGANIZATIONS: [
        Field("credit_code", _l("Unified social credit code"), True, "51330102MJ0000001C"),
        Field("name", _l("Name"), True, "清波街道为老服务中心"),
        Field("legal_form", _l("Legal form"), True, "民办非企业单位"),
        Field("contact_name", _l("Contact person"), True, "陈晓"),
        Field("contact_mobile", _l("Contact mobile"), True, "13800000000"),
        Field("categories", _l("Service categories (codes, separated by ;)"), False, "H;A"),
        Field("streets", _l("Streets served (separated by ;)"), False, "清波街道"),
        Field("description", _l("Description"), False, ""),
    ],
    Kind.ENTERPRISES: [
        Field("credit_code", _l("Unified social credit code"), True, "91330102MA0000001X"),
        Field("name", _l("Name"), True, "杭州某某科技有限公司"),
        Field("contact_name", _l("Contact person"), True, "王敏"),
        Field("contact_mobile", _l("Contact mobile"), True, "13900000000"),
        Field("categories", _l("Causes (service category codes, separated by ;)"), False, "H"),
        Field("streets", _l("Preferred streets (separated by ;)"), False, "湖滨街道"),
        Field("description", _l("Description"), False, ""),
    ],
    Kind.NEEDS: [
        Field("community", _l("Community"), True, "清波门社区"),
        Field("title", _l("Title"), True, "独居老人助餐"),
        Field("category", _l("Service category (code)"), True, "H"),
        Field("description", _l("Description"), True, "午餐不便，需要助餐。"),
        Field("beneficiaries", _l("Beneficiaries"), True, "50"),
        Field("budget", _l("Estimated budget (yuan)"), True, "30000.00"),
        Field("source", _l("Source"), False, "民情恳谈会"),
    ],
}
SPLIT = re.compile(r"[;；,，、\s]+")


@dataclass
class Row:
    number: int  # the line in the file (the header is line 1)
    cells: dict[str, str]
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    status: str = "new"  # new, update, unchanged, error
    existing: object = None


class Directory:
    """The reference data and the existing records, loaded once per file (a file of 10,000
    rows is checked with a handful of queries)."""

    def __init__(self, kind: Kind, rows: list[dict[str, str]]) -> None:
        self.categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
        self.streets: dict[str, Street] = {}
        for street in db.session.scalars(sa.select(Street)):
            for key in (street.code, street.name, street.name_en.lower()):
                self.streets[key] = street
        self.communities: dict[str, list[Community]] = {}
        for community in db.session.scalars(sa.select(Community)):
            self.communities.setdefault(community.name, []).append(community)
        self.legal_forms = _names(LEGAL_FORM_LABELS)
        self.sources = _names(NEED_SOURCE_LABELS)
        self.parties: dict[str, Party] = {}
        self.needs: dict[tuple[int, str], Need] = {}
        if kind == Kind.NEEDS:
            for need in db.session.scalars(sa.select(Need)):
                self.needs[(need.community_id, need.title)] = need
        else:
            codes = {r.get("credit_code", "").strip().upper() for r in rows}
            for start in range(0, len(codes), 900):
                chunk = sorted(codes)[start : start + 900]
                for party in db.session.scalars(
                    sa.select(Party).where(Party.credit_code.in_(chunk))
                ):
                    self.parties[party.credit_code] = party


def _names(labels: dict) -> dict[str, enum.Enum]:
    """Each member by its value and by its label in both languages."""
    from flask_babel import force_locale

    names = {}
    for member, text in labels.items():
        names[member.value] = member
        for locale in ("zh_Hans_CN", "en"):
            with force_locale(locale):
                names[str(text).lower()] = member
    return names


def _required(value: str, limit: int) -> str:
    if not value:
        raise RowError(_("Required."))
    if len(value) > limit:
        raise RowError(_("At most %(limit)d characters.", limit=limit))
    return value


def _categories(value: str, d: Directory) -> list[ServiceCategory]:
    found = []
    for code in filter(None, SPLIT.split(value.upper())):
        if code not in d.categories:
            raise RowError(_("Unknown service category %(code)s.", code=code))
        found.append(d.categories[code])
    return found


def _streets(value: str, d: Directory) -> list[Street]:
    found = []
    for name in filter(None, SPLIT.split(value)):
        street = d.streets.get(name) or d.streets.get(name.lower())
        if street is None:
            raise RowError(_("Unknown street %(name)s.", name=name))
        found.append(street)
    return found


def _credit_code(value: str) -> str:
    if not value:
        raise RowError(_("Required."))
    try:
        return normalise_credit_code(value)
    except CodeError as exc:
        if str(exc) == "check":
            raise RowError(_("The check character of the credit code is wrong.")) from exc
        raise RowError(_("This is not a unified social credit code.")) from exc


def _mobile(value: str) -> str:
    try:
        return normalise_mobile(value)
    except CodeError as exc:
        raise RowError(_("This is not a mainland mobile number.")) from exc


def _party_values(kind: Kind, cells: dict[str, str], d: Directory) -> dict:
    checks: dict[str, Callable[[str], object]] = {
        "credit_code": _credit_code,
        "name": lambda v: _required(v, 100),
        "contact_name": lambda v: _required(v, 50),
        "contact_mobile": _mobile,
        "categories": lambda v: _categories(v, d),
        "streets": lambda v: _streets(v, d),
        "description": lambda v: v,
    }
    if kind == Kind.ORGANIZATIONS:

        def legal_form(value: str) -> LegalForm:
            if value.lower() not in d.legal_forms:
                raise RowError(_("Unknown legal form %(name)s.", name=value or "—"))
            return d.legal_forms[value.lower()]

        checks["legal_form"] = legal_form
    return checks


def _need_values(cells: dict[str, str], d: Directory) -> dict:
    def community(value: str) -> Community:
        found = d.communities.get(value, [])
        if not value:
            raise RowError(_("Required."))
        if len(found) != 1:
            raise RowError(_("Unknown community %(name)s.", name=value))
        return found[0]

    def category(value: str) -> ServiceCategory:
        if value.upper() not in d.categories:
            raise RowError(_("Unknown service category %(code)s.", code=value or "—"))
        return d.categories[value.upper()]

    def beneficiaries(value: str) -> int:
        if not value.isdigit() or not 0 < int(value) <= 10_000_000:
            raise RowError(_("A whole number of people, at least 1."))
        return int(value)

    def budget(value: str) -> int:
        try:
            return parse_yuan(value)
        except MoneyError as exc:
            raise RowError(_("Not an amount of money in yuan (e.g. 30000.00).")) from exc

    def source(value: str) -> NeedSource:
        if not value:
            return NeedSource.OTHER
        if value.lower() not in d.sources:
            raise RowError(_("Unknown source %(name)s.", name=value))
        return d.sources[value.lower()]

    return {
        "community": community,
        "title": lambda v: _required(v, 100),
        "category": category,
        "description": lambda v: _required(v, 5000),
        "beneficiaries": beneficiaries,
        "budget": budget,
        "source": source,
    }


def header_keys(kind: Kind, header: list[str]) -> list[str | None]:
    """Each column's field: the header may be the title in either language or the key."""
    from flask_babel import force_locale

    names: dict[str, str] = {}
    for f in FIELDS[kind]:
        names[f.key] = f.key
        for locale in ("zh_Hans_CN", "en"):
            with force_locale(locale):
                names[str(f.title).strip().lower()] = f.key
    return [names.get(h.strip().lower()) for h in header]


def check_rows(kind: Kind, table: list[list[str]]) -> tuple[list[Row], list[str]]:
    """Every row with its values or its errors; and the required columns that are missing."""
    keys = header_keys(kind, table[0])
    missing = [str(f.title) for f in FIELDS[kind] if f.required and f.key not in keys]
    cells_of = []
    for line in table[1:]:
        cells = {key: (line[i] if i < len(line) else "") for i, key in enumerate(keys) if key}
        cells_of.append(cells)
    if missing:
        return [], missing
    d = Directory(kind, cells_of)
    rows, seen = [], {}
    for number, cells in enumerate(cells_of, start=2):
        row = Row(number, cells)
        checks = _need_values(cells, d) if kind == Kind.NEEDS else _party_values(kind, cells, d)
        for key, check in checks.items():
            try:
                row.values[key] = check(cells.get(key, "").strip())
            except RowError as exc:
                title = next(str(f.title) for f in FIELDS[kind] if f.key == key)
                row.errors.append(f"{title}: {exc}")
        _match(kind, row, d, seen)
        rows.append(row)
    return rows, []


def _match(kind: Kind, row: Row, d: Directory, seen: dict) -> None:
    """Duplicates within the file and the record each row matches in the directory."""
    if kind == Kind.NEEDS:
        community, title = row.values.get("community"), row.values.get("title")
        key = (community.id, title) if community and title else None
        existing = d.needs.get(key) if key else None
    else:
        key = row.values.get("credit_code")
        existing = d.parties.get(key) if key else None
        wanted = Organization if kind == Kind.ORGANIZATIONS else Enterprise
        if existing is not None and not isinstance(existing, wanted):
            row.errors.append(
                _(
                    "This credit code is already registered to %(name)s, of another kind.",
                    name=existing.name,
                )
            )
            existing = None
    if key is not None:
        if key in seen:
            row.errors.append(_("Same as row %(number)d of this file.", number=seen[key]))
        else:
            seen[key] = row.number
    if row.errors:
        row.status = "error"
        return
    row.existing = existing
    if existing is None:
        row.status = "new"
    else:
        row.status = "unchanged" if _same(kind, existing, row.values) else "update"


def target_fields(kind: Kind, values: dict) -> dict:
    """The model's attributes a row sets."""
    if kind == Kind.NEEDS:
        return {
            "community_id": values["community"].id,
            "category_code": values["category"].code,
            "title": values["title"],
            "description": values["description"],
            "beneficiaries": values["beneficiaries"],
            "budget_estimate_fen": values["budget"],
            "source": values["source"],
        }
    fields = {
        "name": values["name"],
        "contact_name": values["contact_name"],
        "contact_mobile": values["contact_mobile"],
        "description": values["description"],
        "categories": sorted(values["categories"], key=lambda c: c.code),
        "streets": sorted(values["streets"], key=lambda s: s.position),
    }
    if kind == Kind.ORGANIZATIONS:
        fields["legal_form"] = values["legal_form"]
    return fields


def _same(kind: Kind, existing, values: dict) -> bool:
    for name, value in target_fields(kind, values).items():
        current = getattr(existing, name)
        if isinstance(value, list):
            if [x.code if hasattr(x, "code") else x for x in current] != [x.code for x in value]:
                return False
        elif current != value:
            return False
    return True
