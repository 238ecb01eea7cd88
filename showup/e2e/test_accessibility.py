"""Accessibility checks in real Chromium at phone size, on the pages people use under stress:
the home page, the guardian's form (English and Spanish), her status page, the officer's
"I found a child" form, the coordinator's board and the hand-off checklist.

On each page: every visible form control has an accessible name (as the browser computes it),
there is exactly one h1, <html lang> matches the language shown, the first Tab lands on the
skip link and Tab alone reaches the page's main action, and the text of the page meets WCAG AA
contrast against its effective background (4.5:1, or 3:1 for large text). Problems of all
pages are collected and reported together.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from showup.reunite import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120

# Every element with its own visible text; its colour against the first opaque background
# behind it (semi-transparent backgrounds are blended). Elements over a background image are
# skipped: their contrast cannot be read from styles.
CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const blend = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const s = getComputedStyle(node);
      if (s.backgroundImage && s.backgroundImage !== "none") return null;
      const c = parse(s.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let result = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) result = blend(layers[i], result);
    return result;
  };
  const problems = [];
  let checked = 0;
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("select, script, style, noscript, svg")) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) continue;  // visually hidden, for screen readers
    const s = getComputedStyle(el);
    if (s.visibility !== "visible" || Number(s.opacity) === 0) continue;
    const bg = background(el);
    const fg = parse(s.color);
    if (!bg || !fg) continue;
    const colour = blend(fg, bg);
    const [hi, lo] = [lum(colour), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize);
    const bold = Number(s.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const needed = large ? 3 : 4.5;
    checked += 1;
    if (ratio < needed) {
      const text = Array.from(el.childNodes)
        .filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join(" ");
      const under = `rgb(${[bg.r, bg.g, bg.b].map(Math.round).join(", ")})`;
      const what = `${el.tagName.toLowerCase()}.${el.className || ""} "${text.slice(0, 40)}"`;
      problems.push(`${what}: ${ratio.toFixed(2)}:1 < ${needed}:1 (${s.color} on ${under})`);
    }
  }
  return {checked, problems};
}
"""

CONTROLS = "input:not([type=hidden]), select, textarea"


def audit_page(page: Page, label: str, lang: str, action: Locator) -> list[str]:
    """Everything wrong with the page as it is now, as readable lines."""
    problems: list[str] = []

    # One h1, and the language of the page declared.
    h1s = page.locator("h1").count()
    if h1s != 1:
        problems.append(f"{label}: {h1s} h1 elements (want exactly 1)")
    html_lang = page.locator("html").get_attribute("lang") or ""
    if html_lang.split("-")[0] != lang:
        problems.append(f"{label}: <html lang={html_lang!r}>, page is in {lang!r}")

    # Every visible control has an accessible name, as the browser computes it.
    controls = page.locator(CONTROLS)
    named = 0
    for i in range(controls.count()):
        control = controls.nth(i)
        if not control.is_visible():
            continue
        try:
            expect(control).to_have_accessible_name(re.compile(r"\S"), timeout=200)
            named += 1
        except AssertionError:
            html = control.evaluate("el => el.outerHTML.slice(0, 120)")
            problems.append(f"{label}: control without an accessible name: {html}")

    # Keyboard: the first Tab lands on the skip link; Tab alone reaches the main action.
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    page.locator("body").focus()
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.textContent.trim()")
    if first not in ("Skip to content", "Saltar al contenido"):
        problems.append(f"{label}: the first Tab stop is {first!r}, not the skip link")
    target = action.element_handle()
    reached = False
    for _ in range(MAX_TABS):
        if page.evaluate("(t) => document.activeElement === t", target):
            reached = True
            break
        page.keyboard.press("Tab")
    if not reached:
        problems.append(f"{label}: {MAX_TABS} presses of Tab never reach the main action")

    # Contrast of the text against its effective background.
    result = page.evaluate(CONTRAST_JS)
    if result["checked"] < 5:
        problems.append(f"{label}: only {result['checked']} text elements checked for contrast")
    problems.extend(f"{label}: contrast {p}" for p in result["problems"])
    return problems


def switch_to_spanish(page: Page) -> None:
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_it_keeps_the_public_pages_accessible_in_english_and_spanish(
    page: Page, live_server: Any, agency: Any, officer: Any, report_data: Any
) -> None:
    url = live_server.url
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    problems: list[str] = []

    page.goto(f"{url}/")
    main_cta = page.get_by_role("main").get_by_role("link", name="My child is missing")
    problems += audit_page(page, "home", "en", main_cta)

    page.goto(f"{url}/missing/")
    send = page.get_by_role("button", name="Send the report")
    problems += audit_page(page, "guardian form (en)", "en", send)

    # The form after a failed submission: errors are announced and linked to their fields.
    send.click()
    expect(page.get_by_role("alert").first).to_be_visible()
    problems += audit_page(page, "guardian form with errors (en)", "en", send)

    page.goto(f"{url}/status/{missing.status_token}/")
    cancel = page.get_by_role("button", name=re.compile("cancel the report"))
    problems += audit_page(page, "status page (en)", "en", cancel)

    switch_to_spanish(page)
    expect(page.locator("[data-state]")).to_have_text("Estamos buscando")
    cancel_es = page.locator("#cancel-h ~ form button[type=submit]")
    problems += audit_page(page, "status page (es)", "es", cancel_es)

    page.goto(f"{url}/missing/")
    send_es = page.get_by_role("button", name="Enviar el reporte")
    problems += audit_page(page, "guardian form (es)", "es", send_es)

    page.goto(f"{url}/")
    problems += audit_page(
        page,
        "home (es)",
        "es",
        page.get_by_role("main").get_by_role("link", name="Mi hijo o hija ha desaparecido"),
    )

    assert not problems, "\n".join(problems)


def test_it_keeps_the_staff_pages_accessible_on_a_phone(
    page: Page,
    live_server: Any,
    staff_login: Any,
    agency: Any,
    officer: Any,
    coordinator: Any,
    report_data: Any,
    wait_for_candidate: Any,
) -> None:
    url = live_server.url
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    candidate = wait_for_candidate(missing, found)  # the match worker writes it
    problems: list[str] = []

    staff_login(page, officer)
    page.goto(f"{url}/staff/found/new/")
    file_it = page.get_by_role("button", name="File the report").first
    problems += audit_page(page, "officer found form", "en", file_it)

    page.context.clear_cookies()
    staff_login(page, coordinator)
    page.goto(f"{url}/staff/board/")
    confirm = page.locator(f"#review-{found.pk}-{candidate.pk}")
    expect(confirm).to_be_visible()
    problems += audit_page(page, "board", "en", confirm)

    services.candidate_confirm(candidate=candidate, actor=coordinator)
    page.context.clear_cookies()
    staff_login(page, officer)
    page.goto(f"{url}/staff/candidates/{candidate.pk}/handoff/")
    save = page.get_by_role("button", name="Save checklist")
    problems += audit_page(page, "hand-off", "en", save)

    assert not problems, "\n".join(problems)
