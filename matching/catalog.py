"""Names of the service categories and Shangcheng streets, copied from the district data.

Kept here so that reasons can name a category or street without the library reading any file.
"""

#: Service areas of the district's public-benefit venture call: code -> (zh, en).
CATEGORIES: dict[str, tuple[str, str]] = {
    "A": ("社区治理", "community governance"),
    "B": ("社区融合", "community integration"),
    "C": ("专业服务", "professional services"),
    "D": ("社区公益", "community public benefit"),
    "E": ("能力提升", "capacity building"),
    "F": ("支持服务", "support services"),
    "G": ("帮扶救助", "assistance and relief"),
    "H": ("为老服务", "elderly care"),
    "I": ("青少年服务", "youth services"),
}

#: Shangcheng street codes (national statistics division codes) -> zh name.
STREETS: dict[str, str] = {
    "330102001": "清波街道",
    "330102003": "湖滨街道",
    "330102004": "小营街道",
    "330102008": "南星街道",
    "330102009": "紫阳街道",
    "330102010": "望江街道",
}


def category_name(code: str, lang: str) -> str:
    """The category's name in the language, or its code when the catalog does not know it."""
    names = CATEGORIES.get(code)
    if names is None:
        return code
    return names[1] if lang == "en" else names[0]


def street_name(code: str) -> str:
    """The street's name, or its code for streets outside the district."""
    return STREETS.get(code, code)
