from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from assessment.forms import LoginForm
from assessment.views.password import PasswordChangeView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Everyone changes their own password (templates/registration/password_change_*.html).
    # … and whoever came with a one-time password must, before any other page (assessment/middleware.py).
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("", include("assessment.urls")),
]

# Every refusal in Chinese, as JSON for the scripts (assessment/views/errors.py).
handler400 = "assessment.views.errors.bad_request"
handler403 = "assessment.views.errors.permission_denied"
handler404 = "assessment.views.errors.page_not_found"
handler500 = "assessment.views.errors.server_error"
