"""Logging out wipes the phone: the logout answer carries `Clear-Site-Data: "cache",
"storage"`, so the field app's outbox (IndexedDB), its kept pages (Cache Storage) and its
service worker are gone even when the page's own script did not run (docs/field-app.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from showup.core.accounts import CLEAR_SITE_DATA
from showup.e2e import conftest as e2e

browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args


@pytest.mark.django_db
def test_the_logout_answer_tells_the_browser_to_clear_caches_and_storage(
    client: Client, officer: Any
) -> None:
    client.force_login(officer)
    # The confirmation page (GET) logs nobody out and clears nothing.
    confirm = client.get(reverse("logout"))
    assert confirm.status_code == 200
    assert "Clear-Site-Data" not in confirm
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"' == CLEAR_SITE_DATA
    # Signed out, and the header did not ask the browser to drop cookies (logout did that).
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("reunite:my_reports")).status_code == 302
    # allauth's own name for the same page ("Cancel" on the second-factor step) gets it too.
    assert reverse("account_logout") == reverse("logout")


# What a phone keeps for this site, as the page's script sees it.
KEPT = """async () => ({
  databases: (await indexedDB.databases()).map((d) => d.name).sort(),
  caches: (await caches.keys()).sort(),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
  local: localStorage.length,
})"""

PUT_SOMETHING_ON_THE_PHONE = """async () => {
  await new Promise((resolve, reject) => {
    const open = indexedDB.open("probe", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("kept");
    open.onsuccess = () => {
      const tx = open.result.transaction("kept", "readwrite");
      tx.objectStore("kept").put({ child: "Mateo" }, 1);
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = reject;
    };
    open.onerror = reject;
  });
  await (await caches.open("probe")).put("/probe", new Response("kept"));
  localStorage.setItem("probe", "kept");
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_the_pages_script_the_header_alone_wipes_the_phone(
    page: Any, live_server: Any, partner: Any
) -> None:
    base = live_server.url.replace("127.0.0.1", "localhost")
    e2e.log_in(page, base, partner)
    # The field app is installed (a partner's pages keep no form: once the worker is active, it
    # writes nothing more that could land after the wipe): service worker, app shell, outbox.
    page.wait_for_selector("html[data-offline-ready]", state="attached", timeout=30_000)
    page.wait_for_function(
        "indexedDB.databases().then((ds) => ds.some((d) => d.name === 'showup-outbox'))"
    )
    page.evaluate(PUT_SOMETHING_ON_THE_PHONE)
    before = page.evaluate(KEPT)
    assert "probe" in before["databases"] and "showup-outbox" in before["databases"]
    assert "probe" in before["caches"]
    assert any(name.startswith("showup-") for name in before["caches"])
    assert before["workers"] >= 1 and before["local"] >= 1

    # Submitted without the submit event: the field app's logout handler does not run, as on
    # a phone where the script failed to load.
    with page.expect_navigation():
        page.evaluate("document.querySelector('form[data-logout]').submit()")
    page.wait_for_url(f"{base}{reverse('home')}")
    after = page.evaluate(KEPT)
    assert after == {"databases": [], "caches": [], "workers": 0, "local": 0}
    # Signed out too: the staff pages send her to the login.
    page.goto(f"{base}{reverse('reunite:my_reports')}")
    assert page.url.startswith(f"{base}{reverse('login')}")
