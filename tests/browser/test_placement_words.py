"""Placements as the end of a match lists them (static/js/ordinal.js, used by play.js)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PlayerFactory

pytestmark = [pytest.mark.browser, pytest.mark.page_only]

ORDINALS = {
    1: "1st",
    2: "2nd",
    3: "3rd",
    4: "4th",
    10: "10th",
    11: "11th",
    12: "12th",
    13: "13th",
    21: "21st",
    22: "22nd",
    23: "23rd",
    24: "24th",
    101: "101st",
    102: "102nd",
    111: "111th",
    112: "112th",
    113: "113th",
    121: "121st",
}


def test_places_read_1st_2nd_3rd_then_11th_12th_13th_and_21st_22nd_23rd(
    players: PlayerFactory,
) -> None:
    reader = players("reader")
    reader.open("/")
    words = reader.page.evaluate(
        """async (places) => {
          const { ordinal } = await import("/static/js/ordinal.js");
          return places.map((place) => ordinal(place));
        }""",
        list(ORDINALS),
    )
    assert dict(zip(ORDINALS, words, strict=True)) == ORDINALS
