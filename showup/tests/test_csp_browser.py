"""The Content-Security-Policy in real Chromium: the main pages load with no violation (no
inline script or style, no eval, no asset from elsewhere), Swagger UI and the admin included."""

from __future__ import annotations

from typing import Any

import pytest

from showup.e2e import conftest as e2e

browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args


def log_in(page: Any, base: str, user: Any) -> None:
    from conftest import PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile || location.pathname}:${e.lineNumber}`;
  const blocked = e.blockedURI || "inline";
  window.__cspViolations.push(`${e.violatedDirective} blocked ${blocked} at ${where}`);
});
"""


class Watch:
    """Every CSP violation a page reports, from the DOM event and from the console."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def visit(self, url: str) -> list[str]:
        response = self.page.goto(url)
        assert response is not None and response.status < 500, url
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or "")
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(300)
        found: list[str] = self.page.evaluate("window.__cspViolations")
        return [f"{url}: {v}" for v in found]


def test_the_main_pages_load_without_a_single_csp_violation(
    page: Any,
    live_server: Any,
    agency: Any,
    officer: Any,
    report_data: Any,
    make_user: Any,
) -> None:
    from showup.reunite import services

    e2e.offline_maps(page.context)
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    services.report_create(agency=agency, kind="found", data=report_data("found"), filed_by=officer)
    watch = Watch(page)
    base = live_server.url
    violations: list[str] = []
    # A guardian, no account.
    for path in ["/stories/", "/stories/thanks/", f"/stories/thanks/{agency.slug}/"]:
        violations += watch.visit(base + path)
    for path in ["/", "/missing/", f"/status/{missing.status_token}/", "/api/docs"]:
        violations += watch.visit(base + path)
    assert page.locator("#swagger-ui .info").count() == 1  # Swagger UI rendered itself

    log_in(page, base, officer)
    for path in [
        "/staff/found/new/",
        "/staff/board/",
        f"/staff/reports/{missing.pk}/",
        "/staff/mine/",
        "/visits/",
        "/visits/my-day/",
        "/visits/calendar/",
        "/stories/follow-ups/",
    ]:
        violations += watch.visit(base + path)
    assert page.goto(base + "/staff/board/") is not None
    page.wait_for_timeout(2500)  # the board's live updates (htmx polling) run a few times
    violations += [f"board, live: {v}" for v in page.evaluate("window.__cspViolations")]

    admin = make_user("csp-admin", "admin", agency, is_staff=True, is_superuser=True)
    from showup.stories.services import story_create

    draft = story_create(actor=admin, title="Lunch on the curb", body="An officer sat down.")
    page.context.clear_cookies()
    log_in(page, base, admin)
    for path in [
        "/admin/",
        "/admin/core/user/",
        f"/admin/core/user/{officer.pk}/change/",
        "/stories/drafts/",
        "/stories/new/",
        "/stories/notes/",
        f"/stories/drafts/{draft.pk}/",
    ]:
        violations += watch.visit(base + path)

    assert violations == []
    assert watch.console == []
