"""Staff sign-in under /accounts/: allauth's pages (login, logout, password change and reset,
the second factor under 2fa/), with the names the rest of showup reverses ("login",
"logout"), and the invitation's set-password link."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from showup.core import accounts, views

urlpatterns = [
    # Before allauth's own patterns: the same paths, our names, and the login with lockout.
    path("login/", accounts.login, name="login"),
    path("login/", accounts.login, name="account_login"),
    # allauth's logout, and the browser told to wipe this site's caches and storage.
    path("logout/", accounts.logout_view, name="logout"),
    path("", include("allauth.urls")),
    # After login (no `next`): each role's start page.
    path("home/", views.role_home, name="role_home"),
    # The invitation's link: choose a password (Django's reset token), then log in. After
    # allauth's patterns, whose "password/reset/done/" this pattern would otherwise swallow.
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
