"""studies/strip_heights.py: the study behind the ink heights a written number is read at, and their vote."""

from __future__ import annotations

from reader.number_strip import STRIP_INK_HEIGHT, STRIP_INK_HEIGHTS
from studies.strip_heights import HEIGHTS, candidate_sets, chosen, table
from tests.conftest import run_study


def reads_with(numbers: dict[int, tuple[str, float]], default: tuple[str, float]) -> list[list]:
    """A number's reads at every study height; each height its own placement."""
    return [[*numbers.get(h, default), [h, 4 * h]] for h in HEIGHTS]


def test_the_shipped_heights_are_studied_and_start_with_the_trained_one():
    assert STRIP_INK_HEIGHTS[0] == STRIP_INK_HEIGHT
    assert set(STRIP_INK_HEIGHTS) <= set(HEIGHTS)
    assert all(heights[0] == STRIP_INK_HEIGHT for heights in candidate_sets())


def test_a_surely_misread_size_loses_the_vote():
    # The trained size reads "18" surely; two other sizes read "183", less surely but together more.
    number = {"true": "183", "reads": reads_with({24: ("18", 0.9), 22: ("183", 0.6), 26: ("183", 0.5)}, ("7", 0.1))}
    assert chosen(number["reads"], (24,)) == "18"
    assert chosen(number["reads"], (24, 22, 26)) == "183"
    figures = table({"paper": [number], "canvas": [number]})
    assert figures["alone"]["24"] == {"paper": 0.0, "canvas": 0.0}
    assert {"heights": [24, 22, 26], "paper": 1.0, "canvas": 1.0} in figures["sets"]


def test_a_size_that_gives_the_same_strip_votes_once():
    # A wide number: 22 and 26 give the trained size's placement, so "18" is one vote, not three.
    reads = reads_with({24: ("18", 0.5), 20: ("183", 0.6)}, ("18", 0.5))
    for h in (22, 26):
        reads[HEIGHTS.index(h)][2] = reads[HEIGHTS.index(24)][2]
    assert chosen(reads, (24, 22, 26, 20)) == "183"


def test_the_study_reads_numbers_and_writes_its_figures(tmp_path):
    done, figures = run_study("studies.strip_heights", ["--count", "3"], tmp_path / "heights.json")
    assert figures["count"] == 3 and len(figures["reads"]["paper"]) == len(figures["reads"]["canvas"]) == 3
    assert len(figures["sets"]) == len(candidate_sets()) and set(figures["alone"]) == {str(h) for h in HEIGHTS}
    assert all(0 <= s[kind] <= 1 for s in figures["sets"] for kind in ("paper", "canvas"))
    assert f"shipped {list(STRIP_INK_HEIGHTS)}" in done.stdout
