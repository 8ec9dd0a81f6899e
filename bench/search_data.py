"""Seeded synthetic funding calls for the search benchmark (~300 words each)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from indexer.records import Deadline, Money, Opportunity, OpportunityKind, OpportunityStatus

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SEED = 20261128
PHRASE = "capacity building"
LIVE_SHARE = 0.15

# Function words first, then funding language: Zipf weights make the first ones common.
COMMON_TEXT = (
    "the of and to in for a on with by is are be as from this that at will an or "
    "research projects project call funding support proposals applicants grant programme "
    "development education innovation partners international university universities "
    "higher cooperation mobility staff students training network networks capacity "
    "building results impact activities consortium institutions countries eligible "
    "budget evaluation criteria submission deadline applications knowledge science "
    "scientific excellence climate water energy health digital data social policy "
    "sustainable management regional region communities environment agriculture "
    "technology industry public private society gender inclusion youth culture heritage "
    "entrepreneurship skills curricula teaching learning modernisation governance "
    "infrastructure equipment laboratory fellowship fellowships researchers early career "
    "postdoctoral doctoral joint degree exchange visiting strategic partnership dissemination "
    "exploitation open access monitoring quality assurance work package coordinator "
    "beneficiary lump sum costs co-financing cofunding contribution maximum minimum months "
    "duration expected outcomes objectives scope topic action type framework horizon "
    "erasmus central asia kyrgyzstan europe african latin american pacific caribbean "
    "resilience adaptation mitigation biodiversity ecosystems irrigation rivers basins "
    "glaciers mountains food security nutrition epidemiology cancer vaccines pandemic "
    "artificial intelligence machine computing quantum materials manufacturing transport "
    "mobility urban cities rural tourism migration democracy rights justice peace"
)
COMMON = tuple(COMMON_TEXT.split())
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bu", "da", "fe", "gi", "ho")
# Rare invented words after the real ones; RARE_WORD sits far down the Zipf tail.
RARE = tuple("".join(p) for p in itertools.product(SYLLABLES, repeat=4))[:4000]
VOCABULARY = COMMON + RARE
RARE_WORD = RARE[3000]
FUNDERS = (
    "European Commission",
    "National Science Foundation",
    "National Institutes of Health",
    "DAAD",
    "British Council",
    "World Bank",
    "Asian Development Bank",
    "Swiss National Science Foundation",
    "JICA",
    "Open Society Foundations",
    "Wellcome Trust",
    "USAID",
)
PROGRAMMES = (*(f"Programme {n}" for n in range(20)), "Erasmus+", "Horizon Europe")
KINDS = tuple(OpportunityKind)
GROUPS = ("EU", "ERASMUS_ASSOCIATED", "ERASMUS_REGION_6", "HE_LMIC", "ALL")


def _weights() -> list[float]:
    total = 0.0
    cumulative = []
    for rank in range(len(VOCABULARY)):
        total += 1.0 / (rank + 8)
        cumulative.append(total)
    return cumulative


def _deadlines(rng: random.Random, live: bool) -> tuple[Deadline, ...]:
    days = [rng.randint(1, 240)] if live else [-rng.randint(1, 2000)]
    if rng.random() < 0.2:  # two-stage calls: a closed call's stages are both past
        gap = rng.randint(60, 150)
        days.append(days[0] + gap if live else days[0] - gap)
    return tuple(Deadline(NOW + timedelta(days=d, hours=8), "Deadline") for d in sorted(days))


def _record(n: int, rng: random.Random, weights: list[float]) -> Opportunity:
    words = rng.choices(VOCABULARY, cum_weights=weights, k=300)
    if rng.random() < 0.3:
        at = rng.randrange(len(words))
        words[at : at + 2] = PHRASE.split()
    live = rng.random() < LIVE_SHARE
    forthcoming = live and rng.random() < 0.2
    deadlines = _deadlines(rng, live)
    opening = (deadlines[0].at - timedelta(days=90)).date()
    if forthcoming:
        opening = (NOW + timedelta(days=rng.randint(5, 60))).date()
    status = (
        OpportunityStatus.FORTHCOMING
        if forthcoming
        else OpportunityStatus.OPEN
        if live
        else OpportunityStatus.CLOSED
    )
    title_words = rng.choices(VOCABULARY[:220], cum_weights=weights[:220], k=rng.randint(6, 11))
    return Opportunity(
        id=f"bench:{n}",
        source="bench",
        source_key=str(n),
        url=f"https://funder.example/calls/{n}",
        title=" ".join(title_words).capitalize(),
        summary=" ".join(words[:40]),
        description_html="<p>" + " ".join(words[40:]) + "</p>",
        funder=rng.choice(FUNDERS),
        programme=rng.choice(PROGRAMMES),
        call_id=f"CALL-{2000 + n % 30}-{n:06d}",
        kind=rng.choice(KINDS),
        status=status,
        opening_date=opening,
        deadlines=deadlines,
        budget_total=Money(Decimal(rng.randrange(10_000, 5_000_000, 1000)), "EUR"),
        eligible_groups=(rng.choice(GROUPS),),
        keywords=tuple(rng.sample(COMMON[40:], 3)),
        language="en",
        posted_at=datetime.combine(opening, datetime.min.time(), UTC),
    )


def generate(n: int, seed: int = SEED) -> list[Opportunity]:
    """Return ``n`` calls, about 15% open/forthcoming and the rest closed."""
    rng = random.Random(seed)
    weights = _weights()
    return [_record(i, rng, weights) for i in range(n)]
