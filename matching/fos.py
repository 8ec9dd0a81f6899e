"""OECD Fields of Science and Technology (FOS 2007): 6 major fields, 42 subfields.

Each subfield carries keyword hints: words that suggest a call belongs to it. Profiles name
their disciplines by code ("1.5") or by name; the hints add low-weight terms to matching.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Field:
    """One OECD FOS field or subfield."""

    code: str
    name: str
    hints: tuple[str, ...] = ()


MAJOR_FIELDS: tuple[Field, ...] = (
    Field("1", "Natural sciences"),
    Field("2", "Engineering and technology"),
    Field("3", "Medical and health sciences"),
    Field("4", "Agricultural sciences"),
    Field("5", "Social sciences"),
    Field("6", "Humanities"),
)


def _f(code: str, name: str, hints: str) -> Field:
    return Field(code, name, tuple(h.strip() for h in hints.split(",") if h.strip()))


SUBFIELDS: tuple[Field, ...] = (
    _f("1.1", "Mathematics", "mathematics, statistics, algebra, probability, modelling"),
    _f(
        "1.2",
        "Computer and information sciences",
        "computer science, software, artificial intelligence, machine learning, data science, "
        "informatics, algorithms, cybersecurity",
    ),
    _f("1.3", "Physical sciences", "physics, optics, astronomy, quantum, particle, photonics"),
    _f("1.4", "Chemical sciences", "chemistry, chemical, catalysis, molecular, polymer"),
    _f(
        "1.5",
        "Earth and related environmental sciences",
        "geology, hydrology, climate, environment, water, glacier, seismology, ecology, "
        "biodiversity",
    ),
    _f("1.6", "Biological sciences", "biology, genetics, microbiology, cell, ecology, genomics"),
    _f("1.7", "Other natural sciences", "natural sciences, interdisciplinary science"),
    _f(
        "2.1",
        "Civil engineering",
        "civil engineering, construction, structural, transport infrastructure, buildings",
    ),
    _f(
        "2.2",
        "Electrical engineering, electronic engineering, information engineering",
        "electrical, electronics, telecommunications, power systems, robotics, signal",
    ),
    _f("2.3", "Mechanical engineering", "mechanical, manufacturing, thermodynamics, aerospace"),
    _f("2.4", "Chemical engineering", "chemical engineering, process engineering"),
    _f("2.5", "Materials engineering", "materials, composites, ceramics, metallurgy, coatings"),
    _f("2.6", "Medical engineering", "medical devices, biomedical engineering, imaging"),
    _f(
        "2.7",
        "Environmental engineering",
        "renewable energy, energy efficiency, waste, pollution, water treatment, remote sensing",
    ),
    _f("2.8", "Environmental biotechnology", "bioremediation, environmental biotechnology"),
    _f("2.9", "Industrial biotechnology", "bioprocessing, biofuels, fermentation, bioproducts"),
    _f("2.10", "Nano-technology", "nanotechnology, nanomaterials, nanoscale"),
    _f("2.11", "Other engineering and technologies", "food technology, engineering"),
    _f(
        "3.1",
        "Basic medicine",
        "anatomy, physiology, immunology, pharmacology, neuroscience, pathology",
    ),
    _f(
        "3.2",
        "Clinical medicine",
        "clinical, oncology, cancer, cardiology, surgery, paediatrics, psychiatry",
    ),
    _f(
        "3.3",
        "Health sciences",
        "public health, epidemiology, nursing, nutrition, health care, global health",
    ),
    _f("3.4", "Medical biotechnology", "medical biotechnology, diagnostics, vaccines"),
    _f("3.5", "Other medical sciences", "forensic, pharmacy, medicine"),
    _f(
        "4.1",
        "Agriculture, forestry, and fisheries",
        "agriculture, farming, crops, irrigation, forestry, fisheries, soil, food security",
    ),
    _f("4.2", "Animal and dairy science", "livestock, pastoralism, dairy, animal husbandry"),
    _f("4.3", "Veterinary science", "veterinary, animal health, zoonotic"),
    _f("4.4", "Agricultural biotechnology", "crop breeding, plant biotechnology"),
    _f("4.5", "Other agricultural sciences", "rural development, agronomy, agri-food"),
    _f("5.1", "Psychology", "psychology, mental health, cognitive, behaviour"),
    _f(
        "5.2",
        "Economics and business",
        "economics, business, entrepreneurship, finance, management, trade, innovation",
    ),
    _f(
        "5.3",
        "Educational sciences",
        "education, teaching, curriculum, higher education, pedagogy, learning, training",
    ),
    _f("5.4", "Sociology", "sociology, social inclusion, migration, gender, youth, demography"),
    _f("5.5", "Law", "law, legal, human rights, justice, governance, rule of law"),
    _f(
        "5.6",
        "Political science",
        "political science, public policy, democracy, international relations, security",
    ),
    _f("5.7", "Social and economic geography", "urban, regional development, mobility, spatial"),
    _f("5.8", "Media and communications", "media, journalism, communication, digital media"),
    _f("5.9", "Other social sciences", "social sciences, interdisciplinary"),
    _f("6.1", "History and archaeology", "history, archaeology, heritage, archives"),
    _f(
        "6.2",
        "Languages and literature",
        "languages, linguistics, literature, translation, multilingualism",
    ),
    _f("6.3", "Philosophy, ethics and religion", "philosophy, ethics, religion, theology"),
    _f("6.4", "Arts", "arts, music, film, design, theatre, creative industries, culture"),
    _f("6.5", "Other humanities", "humanities, cultural studies"),
)

_BY_CODE = {f.code: f for f in (*MAJOR_FIELDS, *SUBFIELDS)}
_BY_NAME = {f.name.casefold(): f for f in (*MAJOR_FIELDS, *SUBFIELDS)}


def lookup(code_or_name: str) -> Field | None:
    """Return the field named by its code ("1.5") or its name (any case)."""
    key = code_or_name.strip()
    return _BY_CODE.get(key) or _BY_NAME.get(key.casefold())


def subfields_of(field: Field) -> tuple[Field, ...]:
    """Return the subfields of a major field, or the subfield itself."""
    if "." in field.code:
        return (field,)
    return tuple(f for f in SUBFIELDS if f.code.split(".")[0] == field.code)


def hints_for(disciplines: tuple[str, ...]) -> dict[str, Field]:
    """Return ``{hint: field}`` for every hint of the given disciplines (unknown ones skipped)."""
    hints: dict[str, Field] = {}
    for name in disciplines:
        field = lookup(name)
        if field is None:
            continue
        for sub in subfields_of(field):
            for hint in sub.hints:
                hints.setdefault(hint, sub)
    return hints
