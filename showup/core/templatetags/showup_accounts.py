"""Template helpers for the sign-in pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from showup.core.accounts import demo_totp_codes, mfa_required
from showup.core.models import User

register = template.Library()


@register.simple_tag
def mfa_required_for(user: Any) -> bool:
    return mfa_required(user)


@register.simple_tag
def demo_totp_code(user: Any) -> str:
    """The demo account's current code (demo mode and demo-* accounts only, else "")."""
    if not settings.DEMO_MODE or not isinstance(user, User):
        return ""
    if not user.username.startswith("demo-"):
        return ""
    return demo_totp_codes([user]).get(user.pk, "")
