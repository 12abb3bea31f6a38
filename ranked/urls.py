from __future__ import annotations

from django.urls import path

from ranked import views

urlpatterns = [
    path("ranked/<slug:game>/", views.ranked_queue, name="ranked_queue"),
]
