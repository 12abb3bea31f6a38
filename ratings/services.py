"""Ratings: updated once per rated match, read by the leaderboards and the profile page.

docs/ratings.md says which matches count, how the shown number is made, and why
openskill's Plackett-Luce model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from openskill.models import PlackettLuce

from games.models import Match, MatchPlayer
from games.rules import CATALOGUE, GAMES
from lobby.models import User
from ratings.models import Rating, RatingChange

MODEL = PlackettLuce()
# The shown number is openskill's ordinal, mu - 3 sigma (a skill the player is very likely
# above), scaled so that a newcomer shows 1000 and one point of mu is 40.
DISPLAY_SCALE = 40.0
DISPLAY_BASE = 1000.0
LEADERBOARD_SIZE = 100
PREVIEW_SIZE = 3
PROFILE_CHANGES = 20


class GameNotFound(Exception):
    """No game in the catalogue has this slug."""


def displayed(mu: float, sigma: float) -> int:
    return round(MODEL.rating(mu=mu, sigma=sigma).ordinal(3.0, DISPLAY_SCALE, DISPLAY_BASE))


def is_human(seat: MatchPlayer) -> bool:
    """Whether a person played this seat, not the game's bot."""
    return not seat.is_bot


def rated_players(match: Match) -> dict[int, int]:
    """The placement of each player a match rates, by user id in id order: its placed
    players, when it finished (not aborted) with at least two of them and no bot; else
    none. A match with a bot in it rates nobody (docs/ratings.md)."""
    if match.state != Match.State.FINISHED:
        return {}
    seats = list(match.players.order_by("user_id"))
    if not all(is_human(seat) for seat in seats):
        return {}
    placements = {seat.user_id: seat.placement for seat in seats if seat.placement is not None}
    return placements if len(placements) >= 2 else {}


def rating_record(*, match: Match) -> list[RatingChange]:
    """Rates an ended match: the change it made to each rated player's rating, or none
    if the match is not rated or was rated before."""
    placements = rated_players(match)
    if not placements:
        return []
    with transaction.atomic():
        ratings = _locked_ratings(game=match.game, user_ids=list(placements))
        # Asked under the locks: a second delivery of this match at the same time waits
        # for the first to commit, then finds its changes here.
        if RatingChange.objects.filter(match=match).exists():
            return []
        before = [ratings[user_id] for user_id in placements]
        teams = [[MODEL.rating(mu=rating.mu, sigma=rating.sigma)] for rating in before]
        # Equal placements are ties: openskill takes them as equal ranks.
        after = MODEL.rate(teams, ranks=[float(place) for place in placements.values()])
        now = timezone.now()
        changes = []
        for rating, [new] in zip(before, after, strict=True):
            change = RatingChange(
                match=match,
                user_id=rating.user_id,
                mu_before=rating.mu,
                sigma_before=rating.sigma,
                displayed_before=rating.displayed,
                mu_after=new.mu,
                sigma_after=new.sigma,
                displayed_after=displayed(new.mu, new.sigma),
            )
            changes.append(change)
            rating.mu, rating.sigma, rating.displayed = new.mu, new.sigma, change.displayed_after
            rating.games_rated += 1
            rating.updated_at = now
        fields = ["mu", "sigma", "displayed", "games_rated", "updated_at"]
        Rating.objects.bulk_update(before, fields)
        RatingChange.objects.bulk_create(changes)
    return changes


def rating_shown(*, user: User, game: str) -> int:
    """The user's shown rating in a game: a newcomer's until a match of it was rated."""
    shown = Rating.objects.filter(user=user, game=game).values_list("displayed", flat=True)
    rating = shown.first()
    return displayed(MODEL.mu, MODEL.sigma) if rating is None else rating


def _locked_ratings(*, game: str, user_ids: list[int]) -> dict[int, Rating]:
    """The players' ratings in a game, created for newcomers, locked until the end of the
    transaction."""
    newcomer = displayed(MODEL.mu, MODEL.sigma)
    Rating.objects.bulk_create(
        [
            Rating(user_id=user_id, game=game, mu=MODEL.mu, sigma=MODEL.sigma, displayed=newcomer)
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )
    # Every update locks in user id order: two matches that share players and end at once
    # wait for each other, one after the other, and neither update is lost.
    locked = (
        Rating.objects.select_for_update()
        .filter(game=game, user_id__in=user_ids)
        .order_by("user_id")
    )
    return {rating.user_id: rating for rating in locked}


@dataclass(frozen=True)
class LeaderboardEntry:
    place: int
    user_id: int
    name: str
    guest: bool
    rating: int
    games: int


@dataclass(frozen=True)
class LeaderboardStanding:
    """The viewer's own rating in the game. `place` is None while it is provisional."""

    place: int | None
    rating: int
    games: int
    provisional: bool
    games_to_go: int


@dataclass(frozen=True)
class Leaderboard:
    game: str
    game_name: str
    provisional_games: int
    players: list[LeaderboardEntry]
    you: LeaderboardStanding | None


def leaderboard(*, game: str, user: User | None) -> Leaderboard:
    """A game's top players (provisional ones left out) and the user's own standing,
    wherever they are. Three queries."""
    definition = CATALOGUE.get(game)
    if definition is None:
        raise GameNotFound(game)
    return Leaderboard(
        game=game,
        game_name=definition.name,
        provisional_games=settings.RATING_PROVISIONAL_GAMES,
        players=_top(game, LEADERBOARD_SIZE),
        you=_standing(game, user) if user is not None else None,
    )


@dataclass(frozen=True)
class Preview:
    """A game's first few places, for the list of leaderboards."""

    game: str
    game_name: str
    players: list[LeaderboardEntry]


def leaderboard_previews() -> list[Preview]:
    return [Preview(game.slug, game.name, _top(game.slug, PREVIEW_SIZE)) for game in GAMES]


def _ranked(game: str) -> QuerySet[Rating]:
    return Rating.objects.filter(game=game, games_rated__gte=settings.RATING_PROVISIONAL_GAMES)


def _top(game: str, size: int) -> list[LeaderboardEntry]:
    top = _ranked(game).select_related("user").order_by("-displayed", "user_id")[:size]
    entries: list[LeaderboardEntry] = []
    for index, rating in enumerate(top):
        # Equal ratings share a place: 1, 2, 2, 4.
        tied = entries and entries[-1].rating == rating.displayed
        entries.append(
            LeaderboardEntry(
                place=entries[-1].place if tied else index + 1,
                user_id=rating.user_id,
                name=str(rating.user),
                guest=rating.user.is_guest,
                rating=rating.displayed,
                games=rating.games_rated,
            )
        )
    return entries


def _standing(game: str, user: User) -> LeaderboardStanding | None:
    rating = Rating.objects.filter(game=game, user=user).first()
    if rating is None:
        return None
    place = None
    if not rating.provisional:
        place = _ranked(game).filter(displayed__gt=rating.displayed).count() + 1
    return LeaderboardStanding(
        place=place,
        rating=rating.displayed,
        games=rating.games_rated,
        provisional=rating.provisional,
        games_to_go=rating.games_to_go,
    )


@dataclass(frozen=True)
class RatedMatch:
    """One rated match as its player sees it on their profile."""

    game_name: str
    ended_at: datetime | None
    placement: int | None
    rating: int
    change: str


@dataclass(frozen=True)
class ProfileRatings:
    ratings: list[tuple[str, Rating]]
    matches: list[RatedMatch]


def profile_ratings(*, user: User) -> ProfileRatings:
    """The user's rating in each game they were rated in (with the game's name), and their
    latest rated matches, newest first. Two queries."""
    ratings = [(_game_name(rating.game), rating) for rating in Rating.objects.filter(user=user)]
    placement = MatchPlayer.objects.filter(match=OuterRef("match"), user=OuterRef("user"))
    changes = (
        RatingChange.objects.filter(user=user)
        .select_related("match")
        .annotate(placement=Subquery(placement.values("placement")[:1]))
        .order_by("-created_at", "-pk")[:PROFILE_CHANGES]
    )
    matches = [
        RatedMatch(
            game_name=_game_name(change.match.game),
            ended_at=change.match.ended_at,
            placement=change.placement,
            rating=change.displayed_after,
            change=change.change_text,
        )
        for change in changes
    ]
    return ProfileRatings(ratings=sorted(ratings, key=lambda pair: pair[0]), matches=matches)


def _game_name(slug: str) -> str:
    # A game taken out of the catalogue still shows, under its slug.
    game = CATALOGUE.get(slug)
    return game.name if game else slug
