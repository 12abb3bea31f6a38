from __future__ import annotations

import random

import pytest

from games.engine.diff import apply_patch, copy_state, diff_into


@pytest.mark.parametrize(
    ("old", "new", "patch"),
    [
        ({"a": 1}, {"a": 1}, {}),
        ({"a": 1}, {"a": 2}, {"a": 2}),
        ({"a": 1}, {}, {"a": None}),
        ({}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"p": {"1": {"x": 1, "y": 2}}}, {"p": {"1": {"x": 1, "y": 3}}}, {"p": {"1": {"y": 3}}}),
        ({"l": [1, 2]}, {"l": [1, 3]}, {"l": [1, 3]}),
        ({"a": {"b": 1}}, {"a": 5}, {"a": 5}),
        ({"a": 5}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"a": 1}, {"a": 1.0}, {"a": 1.0}),
        ({"a": True}, {"a": 1}, {"a": 1}),
    ],
)
def test_it_makes_the_smallest_merge_patch(old: dict, new: dict, patch: dict) -> None:
    last = copy_state(old)
    assert diff_into(last, new) == patch
    assert last == new


def test_the_kept_copy_does_not_share_with_the_game_state() -> None:
    state = {"players": {"1": {"dir": [0, 1]}}}
    last: dict = {}
    diff_into(last, state)
    state["players"]["1"]["dir"][0] = 1
    assert last == {"players": {"1": {"dir": [0, 1]}}}
    assert diff_into(last, state) == {"players": {"1": {"dir": [1, 1]}}}


def _random_state(rng: random.Random, depth: int = 0) -> dict:
    state = {}
    for key in rng.sample("abcdef", rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.3 and depth < 3:
            state[key] = _random_state(rng, depth + 1)
        elif roll < 0.4:
            state[key] = [rng.randint(0, 3) for _ in range(rng.randint(0, 3))]
        else:
            state[key] = rng.choice([0, 1, 2.5, "x", True, False])
    return state


@pytest.mark.parametrize("seed", range(200))
def test_applying_the_patch_to_the_old_state_gives_the_new_one(seed: int) -> None:
    rng = random.Random(seed)
    old, new = _random_state(rng), _random_state(rng)
    client = copy_state(old)
    patch = diff_into(copy_state(old), new)
    assert apply_patch(client, patch) == new
