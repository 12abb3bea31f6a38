from django.apps import AppConfig

from games.signals import match_ended


class LobbyConfig(AppConfig):
    name = "lobby"
    verbose_name = "Accounts and lobbies"

    def ready(self) -> None:
        # The receivers use the models, which load only once every app is registered.
        from lobby import receivers

        match_ended.connect(receivers.open_lobby_after_match, dispatch_uid="lobby.match_ended")
