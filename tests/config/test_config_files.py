"""The shipped configuration files: country groups, institution, source registry."""

from __future__ import annotations

import pytest

from config.country_groups import CountryGroupsError, load_country_groups
from config.institution import InstitutionError, load_institution
from config.settings import CONFIG_DIR
from crawlers.parsers.html_listing import ListingConfig
from crawlers.sources import load_sources


@pytest.fixture(scope="module")
def groups():
    return load_country_groups()


def test_load_country_groups_eu_has_27_members(groups):
    assert len(groups["EU"].members) == 27
    assert "GB" not in groups["EU"].members
    assert "GR" in groups["EU"].members


def test_load_country_groups_kyrgyzstan_memberships(groups):
    assert groups.is_member("KG", "ERASMUS_REGION_6")
    assert groups.is_member("KG", "HE_LMIC")
    assert groups.is_member("KG", "CENTRAL_ASIA")
    assert groups.is_member("kg", "ALL")
    assert not groups.is_member("KG", "EU")
    assert not groups.is_member("KG", "NO_SUCH_GROUP")
    assert groups.groups_of("KG") == ("CENTRAL_ASIA", "ERASMUS_REGION_6", "HE_LMIC")


def test_load_country_groups_erasmus_associated(groups):
    assert groups["ERASMUS_ASSOCIATED"].members == frozenset({"IS", "LI", "NO", "MK", "RS", "TR"})


def test_load_country_groups_lmic_excludes_large_emerging_economies(groups):
    for code in ("BR", "CN", "IN", "MX", "RU"):
        assert not groups.is_member(code, "HE_LMIC")


def test_load_country_groups_every_group_cites_a_source(groups):
    for key, group in groups.groups.items():
        assert group.source, key
        assert group.note, key
        assert group.aliases, key


def test_load_country_groups_every_member_has_a_name(groups):
    for group in groups.groups.values():
        for code in group.members - {"*"}:
            assert code in groups.country_names, (group.key, code)
    assert groups.name_of("KG") == "Kyrgyzstan"


def test_load_country_groups_erasmus_regions_do_not_overlap(groups):
    regions = [g for k, g in groups.groups.items() if k.startswith("ERASMUS_REGION_")]
    seen: dict[str, str] = {}
    for region in regions:
        for code in region.members:
            assert code not in seen, (code, seen.get(code), region.key)
            seen[code] = region.key
    eu_and_associated = groups["EU"].members | groups["ERASMUS_ASSOCIATED"].members
    assert not eu_and_associated & set(seen)


def test_load_country_groups_rejects_bad_codes(tmp_path):
    path = tmp_path / "groups.toml"
    path.write_text('[groups.X]\nname = "x"\nmembers = ["Kyrgyzstan"]\n', encoding="utf-8")
    with pytest.raises(CountryGroupsError, match="alpha-2"):
        load_country_groups(path)


def test_load_country_groups_missing_file(tmp_path):
    with pytest.raises(CountryGroupsError, match="cannot read"):
        load_country_groups(tmp_path / "absent.toml")


def test_load_institution_reads_shipped_file():
    inst = load_institution(CONFIG_DIR / "institution.toml")
    assert inst.country == "KG"
    assert inst.timezone == "Asia/Bishkek"
    assert str(inst.tz) == "Asia/Bishkek"
    assert 1 <= inst.digest_day <= 7
    assert 0 <= inst.digest_hour <= 23


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "U"\ncountry = "Kyrgyzstan"\ntimezone = "Asia/Bishkek"\n', "alpha-2"),
        ('name = "U"\ncountry = "KG"\ntimezone = "Mars/Olympus"\n', "timezone"),
        ('country = "KG"\ntimezone = "Asia/Bishkek"\n', "missing 'name'"),
        ('name = "U"\ncountry = "KG"\ntimezone = "UTC"\ndigest_day = 9\n', "digest_day"),
        ("name = [", "cannot read"),
    ],
)
def test_load_institution_rejects_bad_values(tmp_path, body, message):
    path = tmp_path / "institution.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InstitutionError, match=message):
        load_institution(path)


def test_sources_registry_loads_with_enough_real_sources():
    sources = load_sources(CONFIG_DIR / "sources.toml")
    assert len(sources) >= 25
    assert {s.type for s in sources.values()} == {"feed", "eu_portal", "grants_gov", "html_listing"}
    for key, source in sources.items():
        assert source.funder, key
        assert "verified" in source.options, key
        assert source.options.get("note"), key
        if source.type == "html_listing":
            ListingConfig.from_options(source.options)


def test_sources_registry_eu_portal_options():
    eu = load_sources(CONFIG_DIR / "sources.toml")["eu-funding-tenders"]
    assert list(eu.options["programmes"]) == ["Erasmus+", "Horizon Europe"]
    assert list(eu.options["statuses"]) == ["open", "forthcoming"]


def test_sources_registry_euraxess_selectors_fit_the_fixture(shared_fixtures):
    # 4_html_listings/euraxess_jobs_search_results.html: 10 cards, each with a deadline
    from scrapy.http import HtmlResponse

    from crawlers.parsers.html_listing import next_page_url, parse_listing

    source = load_sources(CONFIG_DIR / "sources.toml")["euraxess-funding"]
    config = ListingConfig.from_options(source.options)
    body = (shared_fixtures / "4_html_listings/euraxess_jobs_search_results.html").read_bytes()
    response = HtmlResponse(url=source.url, body=body, encoding="utf-8")
    records = parse_listing(response, config)
    assert len(records) == 10
    assert all(r["deadlines"] for r in records)
    assert records[0]["source_key"] == "415163"
    assert records[0]["title"] == "Postdoctoral Researcher"
    assert next_page_url(response, config) is not None
