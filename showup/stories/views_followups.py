"""Follow-up pages: add one from an encounter, "My follow-ups", one follow-up with its actions
(done, cancel, new due date, reassign).

Officers, coordinators and admins of an agency; partners get 403, anonymous visitors the login
page. A follow-up or an encounter the user may not see is a 404, as one that does not exist.
The rules are the services' (showup.stories.followups): the views translate their codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from showup.core.models import User
from showup.core.registry import encounter_kind_label
from showup.core.text import TextCheckedForm
from showup.stories import followups
from showup.stories.errors import StoryError
from showup.stories.models import FollowUp


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: log in. Signed in without an agency staff role (partners): 403."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not followups.is_agency_staff(request.user):
            raise PermissionDenied
        return view(request, request.user, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name()} ({obj.get_role_display()})"


class DueField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            problem = followups.due_problem(value)
            if problem:
                raise forms.ValidationError(problem, code="bad_date")


class FollowUpForm(TextCheckedForm, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What is owed"), choices=FollowUp.Kind.choices, widget=forms.RadioSelect
    )
    due_on = DueField(label=gettext_lazy("Due on"))
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=followups.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was promised. No medical details, no child's full name."),
    )
    owed_by = OfficerChoice(
        label=gettext_lazy("Owed by"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if followups.is_coordinator(user):
            field = self.fields["owed_by"]
            field.queryset = followups.assignable_officers(user.agency_id or 0)  # type: ignore[attr-defined]
            field.empty_label = gettext_lazy("Me")  # type: ignore[attr-defined]
        else:
            del self.fields["owed_by"]


class DoneForm(TextCheckedForm, forms.Form):
    outcome_note = forms.CharField(
        label=gettext_lazy("How it went (optional)"),
        required=False,
        max_length=followups.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DueForm(forms.Form):
    due_on = DueField(label=gettext_lazy("New due date"))


class ReassignForm(forms.Form):
    owed_by = OfficerChoice(label=gettext_lazy("Owed by"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owed_by"]
        field.queryset = followups.assignable_officers(user.agency_id or 0)  # type: ignore[attr-defined]


def _source(request: HttpRequest) -> tuple[str, int]:
    kind = (request.GET.get("kind") or request.POST.get("kind") or "").strip()[:30]
    try:
        pk = int(request.GET.get("id") or request.POST.get("id") or "")
    except ValueError:
        raise Http404("No such encounter") from None
    if pk <= 0 or pk > 2**63 - 1:
        raise Http404("No such encounter")
    return kind, pk


@staff_required
@require_http_methods(["GET", "POST"])
def followup_new(request: HttpRequest, user: User) -> HttpResponse:
    kind, pk = _source(request)
    try:
        source = followups.source_for(user, kind, pk)
    except StoryError:
        raise Http404("No such encounter") from None
    form = FollowUpForm(request.POST or None, user=user, initial={"kind": FollowUp.Kind.VISIT})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                followups.followup_create(
                    actor=user,
                    source_kind=kind,
                    source_id=pk,
                    kind=data["kind"],
                    due_on=data["due_on"],
                    note=data.get("note", ""),
                    owed_by=data.get("owed_by"),
                )
            except StoryError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Follow-up added. You will get a reminder on the day."))
                return redirect("stories:followups_mine")
    return render(
        request,
        "stories/followups/new.html",
        {
            "form": form,
            "source": source,
            "kind_label": encounter_kind_label(kind),
        },
        status=status,
    )


@staff_required
@require_GET
def followups_mine(request: HttpRequest, user: User) -> HttpResponse:
    owed = followups.owed_list(user)
    today = followups.today()
    context: dict[str, Any] = {
        "owed": owed,
        "overdue_count": sum(1 for f in owed if f.due_on < today),
        "today": today,
        "done": followups.done_recently(user),
        "is_coordinator": followups.is_coordinator(user),
        "agency_overdue": [],
    }
    if context["is_coordinator"]:
        context["agency_overdue"] = list(followups.agency_overdue(user.agency_id or 0)[:200])
    return render(request, "stories/followups/mine.html", context)


def _detail(request: HttpRequest, user: User, followup: FollowUp, **forms_: Any) -> HttpResponse:
    coordinator = followups.is_coordinator(user)
    context = {
        "f": followup,
        "kind_label": encounter_kind_label(followup.source_kind),
        "overdue": followup.status == FollowUp.Status.OPEN and followup.due_on < followups.today(),
        "may_change": followups.may_change(user, followup),
        "may_cancel": followups.may_cancel(user, followup),
        "done_form": forms_.get("done_form") or DoneForm(),
        "due_form": forms_.get("due_form") or DueForm(initial={"due_on": followup.due_on}),
        "reassign_form": (
            forms_.get("reassign_form")
            or ReassignForm(user=user, initial={"owed_by": followup.owed_by_id})
        )
        if coordinator
        else None,
        "problem": forms_.get("problem"),
    }
    status = 400 if forms_ else 200
    if forms_.get("status"):
        status = forms_["status"]
    return render(request, "stories/followups/detail.html", context, status=status)


@staff_required
@require_GET
def followup_detail(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    return _detail(request, user, followups.access_followup(user, pk))


def _act(
    request: HttpRequest,
    user: User,
    followup: FollowUp,
    act: Callable[[], Any],
    done: str,
    **forms_: Any,
) -> HttpResponse:
    try:
        act()
    except StoryError as exc:
        return _detail(request, user, followup, problem=exc.message, status=exc.status, **forms_)
    messages.success(request, done)
    return redirect("stories:followup_detail", followup.pk)


@staff_required
@require_POST
def followup_done(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    followup = followups.access_followup(user, pk)
    form = DoneForm(request.POST)
    if not form.is_valid():
        return _detail(request, user, followup, done_form=form)
    return _act(
        request,
        user,
        followup,
        lambda: followups.followup_done(
            followup=followup, actor=user, outcome_note=form.cleaned_data["outcome_note"]
        ),
        _("Marked done. Thank you."),
        done_form=form,
    )


@staff_required
@require_POST
def followup_cancel(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    followup = followups.access_followup(user, pk)
    return _act(
        request,
        user,
        followup,
        lambda: followups.followup_cancel(followup=followup, actor=user),
        _("Follow-up cancelled."),
    )


@staff_required
@require_POST
def followup_due(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    followup = followups.access_followup(user, pk)
    form = DueForm(request.POST)
    if not form.is_valid():
        return _detail(request, user, followup, due_form=form)
    return _act(
        request,
        user,
        followup,
        lambda: followups.followup_reschedule(
            followup=followup, actor=user, due_on=form.cleaned_data["due_on"]
        ),
        _("Due date changed."),
        due_form=form,
    )


@staff_required
@require_POST
def followup_reassign(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    followup = followups.access_followup(user, pk)
    if not followups.is_coordinator(user):
        raise PermissionDenied
    form = ReassignForm(request.POST, user=user)
    if not form.is_valid():
        return _detail(request, user, followup, reassign_form=form)
    return _act(
        request,
        user,
        followup,
        lambda: followups.followup_reassign(
            followup=followup, actor=user, owed_by=form.cleaned_data["owed_by"]
        ),
        _("Follow-up reassigned."),
        reassign_form=form,
    )
