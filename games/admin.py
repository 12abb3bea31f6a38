"""Finished and running matches, and the rooms live in this process."""

from __future__ import annotations

import os
import time

from asgiref.sync import sync_to_async
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from games.engine.registry import registry
from games.models import Match, MatchPlayer


def _lobby_codes(room_ids: list[str]) -> dict[str, str]:
    matches = Match.objects.filter(pk__in=room_ids, lobby__isnull=False)
    return {str(pk): code for pk, code in matches.values_list("pk", "lobby__code")}


class MatchPlayerInline(admin.TabularInline):
    model = MatchPlayer
    extra = 0
    fields = ("seat", "user", "placement", "score")
    readonly_fields = fields
    can_delete = False


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("id", "game", "state", "reason", "lobby", "started_at", "duration")
    list_filter = ("state", "game")
    search_fields = ("id", "players__user__username", "lobby__code")
    readonly_fields = ("id", "game", "lobby", "settings", "seed", "started_at", "ended_at")
    inlines = [MatchPlayerInline]

    def get_urls(self) -> list:
        # Not wrapped in admin_view, whose wrapper is sync only: the registry lives on the
        # event loop, so this view is async. The CSRF middleware still guards the POST.
        live = path("live/", self.live_rooms, name="games_live_rooms")
        return [live, *super().get_urls()]

    async def live_rooms(self, request: HttpRequest) -> HttpResponse:
        """Rooms this server process runs, with an action to end one cleanly."""
        user = await request.auser()
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        request.user = user
        rooms = registry().runners
        if request.method == "POST":
            runner = rooms.get(request.POST.get("room", ""))
            if runner is not None:
                runner.room.abort("ended_by_admin")
                messages.success(request, f"Room {runner.room.room_id} is ending.")
            return redirect("admin:games_live_rooms")
        now = time.time()
        lobbies = await sync_to_async(_lobby_codes)(list(rooms))
        rows = [
            {
                "id": room_id,
                "game": runner.room.game.name,
                "lobby": lobbies.get(room_id, ""),
                "players": f"{len(runner.channels)} of {len(runner.room.seats)}",
                "tick": runner.room.ctx.tick,
                "skipped": runner.schedule.skipped,
                "age": int(now - runner.started_at),
            }
            for room_id, runner in rooms.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Live rooms",
            "rooms": rows,
            "process": f"{os.uname().nodename}:{os.getpid()}",
        }
        return TemplateResponse(request, "admin/games/live_rooms.html", context)
