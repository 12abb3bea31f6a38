"""The leaderboard pages: every game's first places, and one game's top 100."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ratings import services


@require_GET
def leaderboard_list(request: HttpRequest) -> HttpResponse:
    context = {"previews": services.leaderboard_previews()}
    return render(request, "ratings/leaderboard_list.html", context)


@require_GET
def leaderboard(request: HttpRequest, game: str) -> HttpResponse:
    viewer = request.user if request.user.is_authenticated else None
    try:
        board = services.leaderboard(game=game, user=viewer)
    except services.GameNotFound:
        raise Http404("No such game") from None
    # Whether the viewer has a row in the table; ranked but beyond it, their row is
    # shown apart below.
    listed = any(entry.user_id == request.user.pk for entry in board.players)
    return render(
        request,
        "ratings/leaderboard.html",
        {"board": board, "listed": listed, "size": services.LEADERBOARD_SIZE},
    )
