"""Documents people print, stamp and file (申报书, 资助协议, 捐赠协议) as PDF.

ReportLab writes them with its built-in Chinese CID font (STSong-Light), so the text is real,
extractable text, nothing is downloaded at run time and no font file ships with the project;
PDF readers supply the font's glyphs. Each document is a title, a number and date, labelled
fields, tables, clauses and signature blocks: what such paperwork carries.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from flask import Response
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=9, leading=13)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=18, leading=26, alignment=1)
HEADING = ParagraphStyle("heading", parent=BODY, fontSize=12, leading=20, spaceBefore=6)
RIGHT = ParagraphStyle("right", parent=SMALL, alignment=2)


@dataclass
class Document:
    title: str
    number: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: (heading, header row, rows) tables
    tables: list[tuple[str, Sequence[str], list[Sequence[str]]]] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)


def _p(text: object, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _grid(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def render(doc: Document) -> bytes:
    """The document as PDF bytes (A4)."""
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=doc.title,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    width = A4[0] - 40 * mm
    story = [_p(doc.title, TITLE), _p(doc.number, RIGHT), Spacer(1, 4 * mm)]
    if doc.fields:
        rows = [[_p(name, SMALL), _p(value)] for name, value in doc.fields]
        story.append(_grid(rows, [width * 0.28, width * 0.72]))
    for heading, header, body in doc.tables:
        story += [_p(heading, HEADING)]
        share = width / len(header)
        rows = [[_p(h, SMALL) for h in header]] + [[_p(c, SMALL) for c in row] for row in body]
        story.append(_grid(rows, [share] * len(header)))
    story.append(Spacer(1, 4 * mm))
    story += [_p(clause) for clause in doc.clauses]
    if doc.signatures:
        story.append(Spacer(1, 12 * mm))
        cells = [_p(f"{party}\n\n\n{_('Date')}: ____年____月____日") for party in doc.signatures]
        story.append(Table([cells], colWidths=[width / len(cells)] * len(cells)))
    pdf.build(story)
    return out.getvalue()


def pdf_response(doc: Document, filename: str) -> Response:
    """The PDF shown in the browser, saved under ``filename`` if the reader downloads it."""
    return Response(
        render(doc),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
