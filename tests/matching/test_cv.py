from __future__ import annotations

from matching.cv import author_names, extract_key_phrases

CV = """Dr. Aida Bekova, Associate Professor, Department of Environmental Engineering.
Research interests: water resources management, irrigation efficiency, climate change
adaptation in mountain regions.
Publications:
1. Bekova A., Smith J. (2021). Irrigation efficiency in Chui. Journal of Hydrology, 12(3).
2. Bekova A. (2022). Climate change adaptation and water resources management. Water Policy, 24.
3. Bekova A., Li W. (2023). Glacier melt and water resources management in Central Asia.
4. Bekova A. (2024). Remote sensing of irrigation efficiency. Remote Sensing, 16, 100.
5. Иванов И., Бекова А. Управление водными ресурсами в Кыргызстане. Вестник, 2020.
"""


def test_extract_key_phrases_finds_recurring_phrases_first():
    phrases = extract_key_phrases(CV, limit=5)
    assert phrases[:2] == ["water resources management", "irrigation efficiency"]
    assert "remote sensing" in phrases


def test_extract_key_phrases_skips_names_boilerplate_and_subphrases():
    phrases = extract_key_phrases(CV, limit=15)
    assert "bekova" not in phrases
    assert "journal" not in phrases
    assert "water" not in phrases  # absorbed by "water resources management"
    assert len(phrases) <= 15


def test_extract_key_phrases_tolerates_russian_and_empty_text():
    assert extract_key_phrases("") == []
    phrases = extract_key_phrases("Управление водными ресурсами. Управление водными ресурсами.")
    assert phrases[0] == "управление водными ресурсами"


def test_author_names_reads_reference_styles():
    assert {"bekova", "smith", "иванов"} <= author_names(CV)


def test_extract_key_phrases_keeps_title_words_after_an_authors_initials():
    text = (
        "Bekova N. Glacier melt and river runoff in the Tien Shan. 2021.\n"
        "Bekova N., Usenov A. Glacier melt modelling for irrigation planning. 2022.\n"
        "Bekova N. Glacier melt and climate adaptation. 2023.\n"
    )
    phrases = extract_key_phrases(text, limit=8)
    assert "glacier melt" in phrases
    assert not any("bekova" in p or "usenov" in p for p in phrases)
