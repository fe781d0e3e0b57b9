"""Import preview at volume: `python -m bench.imports [--rows 10000]`.

Builds a GBK CSV of organizations (one row in fifty with an error) and a CSV of needs, and
prints how long the preview of each takes on an in-memory database holding the district's
reference data. The issue's target: 10,000 rows in under 30 s.
"""

import argparse
from time import perf_counter

from flask_migrate import upgrade

from config import TestingConfig
from funding.app import create_app
from funding.directory.services import load_reference_data
from funding.imports import services
from funding.imports.rows import Kind
from funding.validators import credit_check_char

ORG_HEADER = "Unified social credit code,Name,Legal form,Contact person,Contact mobile,"
ORG_HEADER += "Service categories (codes, separated by ;),Streets served (separated by ;)"
NEED_HEADER = "Community,Title,Service category (code),Description,Beneficiaries,"
NEED_HEADER += "Estimated budget (yuan),Source"


def organizations(rows: int) -> bytes:
    lines = [ORG_HEADER]
    for i in range(rows):
        first = f"51330102MJ{i:07d}"
        code = first + credit_check_char(first)
        if i % 50 == 49:
            code = code[:17] + ("0" if code[17] != "0" else "1")
        lines.append(f"{code},组织{i},社会团体,联系人{i},138{i:08d},H;A,清波街道")
    return "\r\n".join(lines).encode("gbk")


def needs(rows: int) -> bytes:
    lines = [NEED_HEADER]
    for i in range(rows):
        lines.append(f"清波门社区,需求{i},H,描述{i},{i % 90 + 10},{i % 900 + 100}.50,")
    return "\r\n".join(lines).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    app = create_app(TestingConfig())
    with app.app_context(), app.test_request_context():
        upgrade()
        load_reference_data()
        for kind, name, data in (
            (Kind.ORGANIZATIONS, "organizations.csv", organizations(rows)),
            (Kind.NEEDS, "needs.csv", needs(rows)),
        ):
            start = perf_counter()
            result = services.preview(kind, name, data)
            took = perf_counter() - start
            print(f"{kind.value}: {rows} rows previewed in {took:.2f} s; {dict(result.counts)}")


if __name__ == "__main__":
    main()
