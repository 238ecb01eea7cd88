"""The coordinator's "Import reports" page: upload a JSON-lines or CSV file of reports; every
problem is listed with its line, or every report is filed (`services.reports_import`) and left
to the matching service. The same checks and the same service as `POST
/api/reunite/reports/import` and `showup import_reports`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from showup.core import idempotency
from showup.core.access import can_decide_matches
from showup.core.models import AuditEntry, User
from showup.reunite import imports, services
from showup.reunite.views_coord import staff_required


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File of reports"),
        help_text=gettext_lazy(
            "JSON lines (.jsonl) or CSV (.csv), at most 5 MB and 5,000 reports."
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("", gettext_lazy("From the file name (.csv is CSV, anything else JSON lines)")),
            ("jsonl", gettext_lazy("JSON lines (child-report schema)")),
            ("csv", gettext_lazy("CSV")),
        ],
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload

    def file_format(self) -> str:
        chosen = self.cleaned_data.get("format") or ""
        if chosen:
            return str(chosen)
        name = str(getattr(self.cleaned_data["file"], "name", "")).lower()
        return "csv" if name.endswith(".csv") else "jsonl"


def _require_importer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # staff_required guarantees it
    if not can_decide_matches(user) or user.agency is None:
        raise PermissionDenied
    return user


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required
def import_reports(request: HttpRequest) -> HttpResponse:
    user = _require_importer(request)
    problems: list[imports.LineProblem] = []
    once_problem = ""
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        status = 400
        try:
            claim = idempotency.form_claim(request)
            first = idempotency.replay(claim) if claim else None
            if first is not None and isinstance(first.obj, AuditEntry):
                messages.info(
                    request, _("This file was already imported; nothing was filed twice.")
                )
                return redirect("reunite:board")
            if form.is_valid():
                problems = _import(request, user, form, claim)
                if not problems:
                    return redirect("reunite:board")
        except idempotency.IdempotencyError as exc:
            once_problem, status = exc.message, exc.status
    else:
        form = ImportForm()
    ctx = {
        "form": form,
        "problems": problems,
        "once_problem": once_problem,
        "idempotency_key": idempotency.form_key_for(request),
        "csv_columns": imports.CSV_COLUMNS,
        "max_reports": imports.MAX_REPORTS,
    }
    return render(request, "reunite/coord/import.html", ctx, status=status)


def _import(
    request: HttpRequest, user: User, form: ImportForm, claim: idempotency.Claim | None
) -> list[imports.LineProblem]:
    assert user.agency is not None
    agency = user.agency
    content = form.cleaned_data["file"].read(imports.MAX_FILE_BYTES + 1)
    result = imports.read_file(content, form.file_format(), region=agency.phone_region)
    if not result.ok:
        return result.problems
    rows = [(row.kind, row.data) for row in result.rows]
    idempotency.run_once(
        claim,
        lambda: services.reports_import(agency=agency, rows=rows, filed_by=user, source="web")[0],
    )
    counts = {"n": len(rows), "missing": 0, "found": 0}
    for row in result.rows:
        counts[row.kind] += 1
    messages.success(
        request,
        ngettext(
            "%(n)d report imported: %(missing)d missing, %(found)d found. The matching "
            "service is looking for matches; the board shows them as they come.",
            "%(n)d reports imported: %(missing)d missing, %(found)d found. The matching "
            "service is looking for matches; the board shows them as they come.",
            counts["n"],
        )
        % counts,
    )
    return []
