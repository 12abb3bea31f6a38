"""Finished and running matches, and the rooms live now."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from games.engine.registry import registry
from games.engine.shared import RedisRegistry
from games.models import Match, MatchPlayer
from games.rules import CATALOGUE


def _matches(room_ids: list[str]) -> dict[str, Match]:
    matches = Match.objects.filter(pk__in=room_ids).select_related("lobby")
    return {str(match.pk): match for match in matches}


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
        """Running rooms (of every process sharing Redis, or of this one), for staff who
        may view matches, with an action to end one cleanly for those who may end rooms
        (`games.end_room`)."""
        user = await request.auser()
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not await user.ahas_perm("games.view_match"):
            raise PermissionDenied
        request.user = user
        may_end = await user.ahas_perm("games.end_room")
        rooms = registry()
        if request.method == "POST":
            if not may_end:
                raise PermissionDenied
            room_id = request.POST.get("room", "")
            if await rooms.end(room_id):
                messages.success(request, f"Room {room_id} is ending.")
            else:
                messages.warning(request, f"Room {room_id} is not running any more.")
            return redirect("admin:games_live_rooms")
        live = await rooms.live_rooms()
        matches = await sync_to_async(_matches)([room.room_id for room in live])
        now = timezone.now()
        rows = [
            {
                "id": room.room_id,
                "game": CATALOGUE[match.game].name,
                "lobby": match.lobby.code if match.lobby else "",
                "players": f"{room.connected} of {room.seats}",
                "tick": room.tick,
                "skipped": "" if room.skipped is None else room.skipped,
                "process": room.process,
                "age": int((now - match.started_at).total_seconds()),
            }
            for room in live
            if (match := matches.get(room.room_id)) is not None
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Live rooms",
            "rooms": rows,
            "shared": isinstance(rooms, RedisRegistry),
            "may_end": may_end,
            "process": rooms.process,
        }
        return TemplateResponse(request, "admin/games/live_rooms.html", context)
