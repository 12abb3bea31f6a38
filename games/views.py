"""The play page, where a seated player's browser, or a spectator's, opens the match's
socket; and the replay page, which plays a finished match back (docs/replays.md)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from games.models import Match
from games.renderers import renderer_path
from games.rules import CATALOGUE
from games.services import ReplayRefused, match_may_watch, match_replay_read, replay_details

# The page's status for each reason a replay is refused (games.services.REPLAY_REFUSALS).
REPLAY_REFUSED_STATUS = {
    "no_such_match": 404,
    "not_allowed": 403,
    "running": 409,
    "no_replay": 404,
    "old_version": 409,
}


@login_required
def play(request: HttpRequest, match_id: str) -> HttpResponse:
    match = get_object_or_404(Match.objects.select_related("lobby"), pk=match_id)
    seated = match.players.filter(user=request.user).exists()
    watching = not seated and match_may_watch(match_id=match.pk, user_id=request.user.pk)
    definition = CATALOGUE.get(match.game)
    lobby = match.lobby
    context = {
        "match": match,
        "match_id": str(match.pk),
        "game_slug": match.game,
        "game_name": definition.name if definition else match.game,
        # The game's browser module, which play.js loads: none for a game no longer on offer.
        "renderer": renderer_path(match.game) if definition and (seated or watching) else "",
        "seated": seated,
        "watching": watching,
        "player_id": str(request.user.pk),
        "ws_url": _socket_url(request, str(match.pk)),
        "lobby_url": _lobby_url(match),
        "lobby_code": lobby.code if lobby is not None else "",
        # The lobby's host may remove whoever watches (the lobby's kick, docs/api.md).
        "viewer_is_host": lobby is not None and lobby.host_id == request.user.pk,
        # Players chat; spectators when the lobby lets them (docs/protocol.md, chat).
        "may_chat": seated or (watching and lobby is not None and lobby.spectators_may_chat),
    }
    # A page for someone who may neither play nor watch says so, with its status too.
    status = 200 if seated or watching else 403
    return render(request, "games/play.html", context, status=status)


@login_required
def replay(request: HttpRequest, match_id: str) -> HttpResponse:
    """A finished match played back with its game's own renderer. The page fetches the
    frames from the API (`GET /api/matches/<id>/replay/frames/`): the state at tick 0,
    then a merge patch per tick that changed it. The whole state is shown, hidden
    information included, since the match is over."""
    try:
        record = match_replay_read(match_id=match_id, user_id=request.user.pk)
    except ReplayRefused as refused:
        context = {"refusal": refused.message}
        return render(
            request, "games/replay.html", context, status=REPLAY_REFUSED_STATUS[refused.reason]
        )
    definition = CATALOGUE[record.match.game]
    context = {
        "game_name": definition.name,
        "renderer": renderer_path(definition.slug),
        "details": replay_details(record),
        "lobby_url": _lobby_url(record.match),
        "match": record.match,
    }
    return render(request, "games/replay.html", context)


def _lobby_url(match: Match) -> str:
    """Back to the match's lobby (for a rematch) while it is open, else the home page."""
    lobby = match.lobby
    if lobby is not None and lobby.state != lobby.State.CLOSED:
        return reverse("lobby", args=[lobby.code])
    return reverse("home")


def _socket_url(request: HttpRequest, match_id: str) -> str:
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/ws/play/{match_id}/"
