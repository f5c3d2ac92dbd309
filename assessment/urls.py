from django.urls import path

from .views import demo, evidence, exports, home, notice, onsite, plan, rectifications, results, selfeval, township

urlpatterns = [
    path("", home.home, name="home"),
    *selfeval.urlpatterns,
    *evidence.urlpatterns,
    *township.urlpatterns,
    *results.urlpatterns,
    *notice.urlpatterns,
    *rectifications.urlpatterns,
    *onsite.urlpatterns,
    *exports.urlpatterns,
    *plan.urlpatterns,
    *demo.urlpatterns,
]
