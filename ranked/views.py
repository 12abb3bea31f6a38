"""The page behind a "Ranked" button: it waits in the game's queue over the queue socket
(static/js/ranked.js), and goes to the match once one is found."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from games.rules import CATALOGUE
from ratings.services import rating_shown


@require_GET
@login_required
def ranked_queue(request: HttpRequest, game: str) -> HttpResponse:
    definition = CATALOGUE.get(game)
    if definition is None:
        raise Http404("No such game")
    context = {
        "game": definition,
        "rating": rating_shown(user=request.user, game=game),
        "socket_path": f"/ws/queue/{game}/",
    }
    return render(request, "ranked/queue.html", context)
