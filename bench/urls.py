"""The project's URLs plus bench/floor/, the benchmark's floor page."""

from django.urls import include, path

from bench.floor import floor

urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("", include("huayu.urls")),
]
