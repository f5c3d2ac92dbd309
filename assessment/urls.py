from django.urls import path

from .views import (
    county, demo, evidence, exports, home, notice, onsite, plan, rectifications, results, rounds, schedule, selfeval,
    spotcheck, township,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/session/", home.session_state, name="session-state"),
    *selfeval.urlpatterns,
    *evidence.urlpatterns,
    *township.urlpatterns,
    *rounds.urlpatterns,
    *schedule.urlpatterns,
    *results.urlpatterns,
    *notice.urlpatterns,
    *rectifications.urlpatterns,
    *onsite.urlpatterns,
    *exports.urlpatterns,
    *plan.urlpatterns,
    *demo.urlpatterns,
    *spotcheck.urlpatterns,
    *county.urlpatterns,
]
