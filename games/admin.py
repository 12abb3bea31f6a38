"""Finished and running matches, and the rooms live now."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from games.engine.clock import Schedule
from games.engine.handle import RoomDetail
from games.engine.registry import registry
from games.models import Match, MatchPlayer, MatchReplay
from games.removal import match_remove_user
from games.rules import CATALOGUE

LiveView = Callable[..., Awaitable[HttpResponse]]


def _matches(room_ids: list[str]) -> dict[str, Match]:
    matches = Match.objects.filter(pk__in=room_ids).select_related("lobby")
    return {str(match.pk): match for match in matches}


def _admin_link(instance: Model) -> SafeString:
    """A link to the instance's change page in the admin."""
    opts = instance._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    return format_html('<a href="{}">{}</a>', url, instance)


def _seat_link(seat: MatchPlayer) -> SafeString:
    """The seat's user as a link, or a bot's name marked as a bot's."""
    if seat.user is None:
        return format_html("{} [bot]", seat.name)
    return _admin_link(seat.user)


@dataclass(frozen=True)
class Lateness:
    """How late a room's ticks ran, as its runner's schedule measured (clock.py)."""

    ticks: int
    mean_ms: float
    max_ms: float
    skipped: int
    longest_tick_ms: float

    @classmethod
    def of(cls, schedule: Schedule, tick_seconds_max: float) -> Lateness:
        return cls(
            ticks=schedule.ticks,
            mean_ms=round(schedule.mean_lateness * 1000, 2),
            max_ms=round(schedule.max_lateness * 1000, 2),
            skipped=schedule.skipped,
            longest_tick_ms=round(tick_seconds_max * 1000, 2),
        )


@dataclass(frozen=True)
class SeenRoom:
    """One running room as the admin's live room page shows it: run by this process and
    seen as it is now, or (Redis mode) run by another and read from its latest save."""

    process: str
    here: bool
    tick: int
    # Per player (user id), as `saves.export` has them: connected, the tick their seat
    # window ends or 0, gone.
    seats: dict[str, tuple[bool, int, bool]]
    acks: dict[str, int]
    state: str
    # Measured by the runner and known to it only: for a room run by this process.
    lateness: Lateness | None = None
    spectators: list[str] | None = None


def _seen(detail: RoomDetail) -> SeenRoom:
    """The room as its runner has it now, or as last saved by the process that runs it."""
    saved = detail.saved
    state = orjson.dumps(saved["state"], option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    lateness = None
    if detail.schedule is not None:
        lateness = Lateness.of(detail.schedule, detail.tick_seconds_max)
    return SeenRoom(
        process=detail.process,
        here=detail.here,
        tick=saved["tick"],
        seats=saved["seats"],
        acks=dict(saved["acks"]),
        state=state.decode(),
        lateness=lateness,
        spectators=detail.spectators,
    )


def _players(match: Match, seen: SeenRoom) -> list[dict[str, Any]]:
    rows = []
    for seat in match.players.select_related("user").order_by("seat"):
        connected, leaves_at_tick, gone = seen.seats[seat.player_id]
        rows.append(
            {
                "user": seat.user,
                "link": _seat_link(seat),
                "seat": seat.seat,
                "connected": connected,
                "leaves_at_tick": leaves_at_tick,
                "gone": gone,
                "acked": seen.acks.get(seat.player_id, 0),
            }
        )
    return rows


def _for_live_rooms(view: LiveView) -> LiveView:
    """Admin views of the live rooms, for active staff who may view matches; a POST (an
    action on a room) takes `games.end_room` too. The view gets whether the user may act.

    Not wrapped in admin_view, whose wrapper is sync only: the registry lives on the event
    loop, so these views are async. The CSRF middleware still guards the POST.
    """

    @functools.wraps(view)
    async def checked(
        model_admin: MatchAdmin, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        user = await request.auser()
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not await user.ahas_perm("games.view_match"):
            raise PermissionDenied
        request.user = user
        may_end = await user.ahas_perm("games.end_room")
        if request.method == "POST" and not may_end:
            raise PermissionDenied
        return await view(model_admin, request, *args, may_end=may_end, **kwargs)

    return checked


class MatchPlayerInline(admin.TabularInline):
    model = MatchPlayer
    extra = 0
    fields = ("seat", "user", "bot_level", "placement", "score")
    readonly_fields = fields
    can_delete = False


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "game",
        "state",
        "reason",
        "lobby_link",
        "player_links",
        "started_at",
        "duration",
    )
    list_filter = ("state", "game")
    search_fields = ("id", "players__user__username", "lobby__code")
    readonly_fields = (
        "id",
        "game",
        "lobby",
        "settings",
        "seed",
        "started_at",
        "ended_at",
        "live_room",
    )
    inlines = [MatchPlayerInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Match]:
        return super().get_queryset(request).prefetch_related("players__user")

    @admin.display(description="lobby", ordering="lobby__code")
    def lobby_link(self, match: Match) -> SafeString | str:
        return _admin_link(match.lobby) if match.lobby else ""

    @admin.display(description="players")
    def player_links(self, match: Match) -> SafeString:
        links = ((_seat_link(seat),) for seat in match.players.all())
        return format_html_join(", ", "{}", links)

    @admin.display(description="live room")
    def live_room(self, match: Match) -> SafeString | str:
        if match.state != Match.State.RUNNING:
            return ""
        url = reverse("admin:games_live_room", args=[match.pk])
        return format_html('<a href="{}">Its room, live</a>', url)

    def get_urls(self) -> list:
        live = [
            path("live/", self.live_rooms, name="games_live_rooms"),
            path("live/<uuid:room_id>/", self.live_room_detail, name="games_live_room"),
        ]
        return [*live, *super().get_urls()]

    async def _end(self, request: HttpRequest, room_id: str) -> None:
        """Ends a running room cleanly, wherever it runs, and says so."""
        if not await registry().end(room_id):
            messages.warning(request, f"Room {room_id} is not running any more.")
            return
        messages.success(request, f"Room {room_id} is ending.")
        match = await Match.objects.aget(pk=room_id)
        await self._record(request, match, "Ended its live room.")

    async def _record(self, request: HttpRequest, match: Match, action: str) -> None:
        """An action on a live room, in the match's admin history: who did what, when."""
        await sync_to_async(self.log_change)(request, match, action)

    @_for_live_rooms
    async def live_rooms(self, request: HttpRequest, *, may_end: bool) -> HttpResponse:
        """Running rooms (of every process sharing Redis, or of this one), for staff who
        may view matches, with an action to end one cleanly for those who may end rooms
        (`games.end_room`)."""
        if request.method == "POST":
            await self._end(request, request.POST.get("room", ""))
            return redirect("admin:games_live_rooms")
        rooms = registry()
        live = await rooms.live_rooms()
        matches = await sync_to_async(_matches)([room.room_id for room in live])
        now = timezone.now()
        rows = [
            {
                "id": room.room_id,
                "game": CATALOGUE[match.game].name,
                "lobby": _admin_link(match.lobby) if match.lobby else "",
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
            "shared": rooms.shared,
            "may_end": may_end,
            "process": rooms.process,
        }
        return TemplateResponse(request, "admin/games/live_rooms.html", context)

    @_for_live_rooms
    async def live_room_detail(
        self, request: HttpRequest, room_id: uuid.UUID, *, may_end: bool
    ) -> HttpResponse:
        """One running room: its players and spectators, tick, lateness, owner and state;
        staff who may end rooms end it here or take one player's seat."""
        match = await Match.objects.select_related("lobby").filter(pk=room_id).afirst()
        if match is None:
            raise Http404("No such match.")
        if request.method == "POST" and request.POST.get("action") == "end":
            await self._end(request, str(match.pk))
            return redirect("admin:games_live_rooms")
        rooms = registry()
        detail = await rooms.detail(str(match.pk))
        if detail is None:
            messages.warning(request, f"Room {match.pk} is not running any more.")
            return redirect("admin:games_live_rooms")
        seen = _seen(detail)
        players = await sync_to_async(_players)(match, seen)
        if request.method == "POST":
            await self._remove(request, match, players)
            return redirect("admin:games_live_room", match.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Live room {match.pk}",
            "match": match,
            "match_link": _admin_link(match),
            "lobby_link": _admin_link(match.lobby) if match.lobby else "",
            "game": CATALOGUE[match.game].name,
            "room": seen,
            "players": players,
            "age": int((timezone.now() - match.started_at).total_seconds()),
            "this_process": rooms.process,
            "may_end": may_end,
        }
        return TemplateResponse(request, "admin/games/live_room.html", context)

    async def _remove(
        self, request: HttpRequest, match: Match, players: list[dict[str, Any]]
    ) -> None:
        """Takes one player's seat, as a lobby kick does, without banning them from the
        lobby."""
        chosen = request.POST.get("player", "")
        player = next((row for row in players if str(row["user"].pk) == chosen), None)
        if player is None:
            messages.error(request, "That user has no seat in this room.")
            return
        user = player["user"]
        await sync_to_async(match_remove_user)(match_id=str(match.pk), user_id=user.pk)
        await self._record(request, match, f"Removed {user} from its live room (no lobby ban).")
        messages.success(
            request, f"{user} is removed from room {match.pk}: their seat goes at the next tick."
        )


@admin.register(MatchReplay)
class MatchReplayAdmin(admin.ModelAdmin):
    """What replays each finished match (docs/replays.md): read-only, as recorded."""

    list_display = ("match", "game_version", "ticks", "log_entries", "log_size", "recorded_at")
    list_filter = ("game_version",)
    search_fields = ("match__id",)
    fields = (
        "match",
        "game_version",
        "seed",
        "settings",
        "players",
        "ticks",
        "log_entries",
        "log_size",
        "result_text",
        "replay_page",
        "recorded_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="log size")
    def log_size(self, replay: MatchReplay) -> str:
        return f"{len(replay.log) / 1024:.1f} KiB"

    @admin.display(description="result")
    def result_text(self, replay: MatchReplay) -> str:
        return bytes(replay.result).decode()

    @admin.display(description="replay")
    def replay_page(self, replay: MatchReplay) -> SafeString:
        url = reverse("replay", args=[replay.match_id])
        return format_html('<a href="{}">Watch it</a>', url)
