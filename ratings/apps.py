from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings and leaderboards"

    def ready(self) -> None:
        from games.models import Match
        from games.signals import match_ended
        from ratings.receivers import rate_ended_match

        match_ended.connect(rate_ended_match, sender=Match, dispatch_uid="ratings")
