"""Sent as `match_ended.send(sender=Match, match=match)` once a match's end is committed."""

import django.dispatch

match_ended = django.dispatch.Signal()
