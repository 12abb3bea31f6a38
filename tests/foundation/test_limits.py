"""The building blocks of every limit: client addresses, rate windows, socket slots."""

from __future__ import annotations

import pytest

from game_server.limits import SocketSlots, client_address, rate_allowed, socket_address

pytestmark = pytest.mark.usefixtures("fresh_cache")


def test_a_forwarded_for_header_is_ignored_without_a_proxy(settings) -> None:
    settings.BEHIND_PROXY = False
    meta = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    assert client_address(meta) == "198.51.100.7"


def test_behind_a_proxy_the_hop_the_proxy_appended_is_the_client(settings) -> None:
    settings.BEHIND_PROXY = True
    # The client forged the first entry; the proxy appended the address it saw.
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.1, 198.51.100.7"}
    assert client_address(meta) == "198.51.100.7"


def test_behind_a_proxy_a_request_without_the_header_is_its_peer(settings) -> None:
    settings.BEHIND_PROXY = True
    assert client_address({"REMOTE_ADDR": "10.0.0.2"}) == "10.0.0.2"


def test_a_socket_address_follows_the_same_rule(settings) -> None:
    scope = {
        "client": ("10.0.0.2", 51234),
        "headers": [(b"x-forwarded-for", b"203.0.113.1, 198.51.100.7")],
    }
    settings.BEHIND_PROXY = False
    assert socket_address(scope) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    assert socket_address(scope) == "198.51.100.7"


def test_a_rate_allows_the_limit_in_a_window_then_says_how_long_to_wait() -> None:
    results = [rate_allowed("test:alice", limit=3, window=60) for _ in range(4)]
    assert [result.allowed for result in results] == [True, True, True, False]
    assert 1 <= results[-1].retry_after <= 60


def test_the_budget_is_full_again_when_the_window_ends(rate_clock) -> None:
    spent = [rate_allowed("test:dave", limit=2, window=60) for _ in range(3)]
    assert [result.allowed for result in spent] == [True, True, False]
    rate_clock.now += spent[-1].retry_after
    assert rate_allowed("test:dave", limit=2, window=60).allowed


def test_rates_under_different_keys_do_not_share_a_budget() -> None:
    assert not [rate_allowed("test:bob", limit=1, window=60) for _ in range(2)][-1].allowed
    assert rate_allowed("test:carol", limit=1, window=60).allowed


def test_socket_slots_are_given_back() -> None:
    slots = SocketSlots()
    assert slots.take("198.51.100.7", limit=2)
    assert slots.take("198.51.100.7", limit=2)
    assert not slots.take("198.51.100.7", limit=2)
    assert slots.take("198.51.100.8", limit=2)
    slots.give_back("198.51.100.7")
    assert slots.count("198.51.100.7") == 1
    assert slots.take("198.51.100.7", limit=2)
