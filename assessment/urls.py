from django.urls import path

from .views import evidence, home, notice, results, selfeval, township

urlpatterns = [
    path("", home.home, name="home"),
    *selfeval.urlpatterns,
    *evidence.urlpatterns,
    *township.urlpatterns,
    *results.urlpatterns,
    *notice.urlpatterns,
]
