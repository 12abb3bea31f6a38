"""`{% profile_ratings user %}`: the profile page's ratings and rated matches."""

from __future__ import annotations

from django import template

from lobby.models import User
from ratings.services import ProfileRatings
from ratings.services import profile_ratings as read_profile_ratings

register = template.Library()


@register.inclusion_tag("ratings/_profile_ratings.html")
def profile_ratings(user: User) -> dict[str, ProfileRatings]:
    return {"profile": read_profile_ratings(user=user)}
