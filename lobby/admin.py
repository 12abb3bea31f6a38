from __future__ import annotations

from datetime import datetime

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from lobby import services
from lobby.auth import token_expires_at
from lobby.forms import AdminLogInForm
from lobby.models import ApiToken, Lobby, LobbyBan, LobbyBot, Membership, User

# The admin's log-in counts against the same budgets as every other log-in.
admin.site.login_form = AdminLogInForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "is_guest", "is_staff", "date_joined")
    list_filter = ("is_guest", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Player", {"fields": ("display_name", "is_guest")}),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("seat", "user", "is_ready", "joined_at")
    readonly_fields = ("joined_at",)
    raw_id_fields = ("user",)


class LobbyBotInline(admin.TabularInline):
    model = LobbyBot
    extra = 0
    fields = ("level", "created_at")
    readonly_fields = ("created_at",)
    verbose_name = "bot"


class LobbyBanInline(admin.TabularInline):
    model = LobbyBan
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Lobby)
class LobbyAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "game",
        "state",
        "host",
        "players",
        "is_public",
        "allow_spectators",
        "spectators_may_chat",
        "created_at",
    )
    list_filter = ("state", "game", "is_public", "allow_spectators")
    search_fields = ("code", "name", "host__username", "host__display_name")
    raw_id_fields = ("host",)
    readonly_fields = ("created_at", "last_activity_at", "closed_at")
    inlines = (MembershipInline, LobbyBotInline, LobbyBanInline)
    actions = ("close_lobbies",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lobby]:
        queryset = super().get_queryset(request).select_related("host")
        return queryset.annotate(
            player_count=Count("memberships", distinct=True) + Count("bots", distinct=True)
        )

    @admin.display(ordering="player_count")
    def players(self, lobby: Lobby) -> str:
        return f"{lobby.player_count} / {lobby.max_players}"

    @admin.action(description="Close the selected lobbies (members are told)")
    def close_lobbies(self, request: HttpRequest, queryset: QuerySet[Lobby]) -> None:
        lobbies = queryset.exclude(state=Lobby.State.CLOSED)
        for lobby in lobbies:
            services.lobby_close(lobby=lobby)
        self.message_user(request, f"Closed {len(lobbies)} lobbies.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here; they are made only by the API, which shows
    each once (only its hash is stored)."""

    list_display = ("user", "created_at", "last_used_at", "expires_at")
    list_filter = ("user__is_guest",)
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user",)
    readonly_fields = ("user", "key_hash", "created_at", "last_used_at", "expires_at")
    actions = ("revoke_tokens",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="expires")
    def expires_at(self, token: ApiToken) -> datetime:
        return token_expires_at(token)

    @admin.action(description="Revoke the selected tokens", permissions=("delete",))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked, _ = queryset.delete()
        noun = "token" if revoked == 1 else "tokens"
        self.message_user(request, f"Revoked {revoked} {noun}.", messages.SUCCESS)
