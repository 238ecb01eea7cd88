from django.contrib.auth import views as auth_views
from django.urls import path

from showup.core import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # After login (no `next`): each role's start page.
    path("home/", views.role_home, name="role_home"),
    # The invitation's link: choose a password (Django's reset token), then log in.
    path(
        "password/<uidb64>/<token>/",
        views.PasswordSetView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
