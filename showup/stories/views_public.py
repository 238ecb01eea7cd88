"""What the public sees of stories: the list, a story's page (with Open Graph and Twitter card
meta and plain share links: no third-party script), the Atom feed, the redacted media, and a
guardian's private page to withdraw consent.

Only `public_body` and redacted files ever leave here, and only while the story is published
and every consent it needs stands (services.public_story / public_media, checked on every
request: a revocation takes effect at the next request; pages and media answer `no-cache`
so no cache keeps showing them). Anything else answers 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from showup.core import ratelimit
from showup.core.models import Agency, agency_by_slug
from showup.stories import services, storage
from showup.stories.errors import StoryError
from showup.stories.models import Consent, Story, StoryMedia, ThankYouNote
from showup.stories.views_stories import file_response

CONSENT_LIMIT_SCOPE = "stories.consent"
PAGE_SIZE = 30


def _fresh(response: HttpResponseBase) -> Any:
    patch_cache_control(response, no_cache=True, max_age=0, must_revalidate=True)
    return response


def _agency(request: HttpRequest) -> Agency | None:
    slug = (request.GET.get("agency") or "").strip()
    if not slug:
        return None
    agency = agency_by_slug(slug)
    if agency is None:
        raise Http404
    return agency


def home_section(request: HttpRequest) -> str:
    """The latest published stories for core's home page (registry.register_home_section)."""
    from django.template.loader import render_to_string

    stories = list(services.published_stories()[:3])
    return render_to_string("stories/public/_home.html", {"stories": stories}, request=request)


def story_list(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    stories = list(services.published_stories(agency)[:PAGE_SIZE])
    rows = []
    for s in stories:
        shown = services.public_media(s)
        rows.append({"story": s, "cover": shown[0] if shown else None})
    agencies = Agency.objects.filter(
        pk__in=services.published_stories().values("agency_id")
    ).order_by("name")
    # The units whose pages carry published thank-you notes from families.
    thanked = (
        Agency.objects.filter(thank_you_notes__status=ThankYouNote.Status.PUBLISHED)
        .distinct()
        .order_by("name")
    )
    return _fresh(
        render(
            request,
            "stories/public/list.html",
            {"rows": rows, "agency": agency, "agencies": agencies, "thanked": thanked},
        )
    )


def media_url(story: Story, media: StoryMedia, which: str = "file") -> str:
    return reverse("stories:public_media", args=[story.public_token, media.pk, which])


def share_links(url: str, title: str) -> list[dict[str, str]]:
    """Plain links to the usual sites (no script of theirs on our pages)."""
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        {"name": "Facebook", "href": f"https://www.facebook.com/sharer/sharer.php?u={u}"},
        {"name": "X", "href": f"https://x.com/intent/post?url={u}&text={t}"},
        {"name": "LinkedIn", "href": f"https://www.linkedin.com/sharing/share-offsite/?url={u}"},
        {"name": "WhatsApp", "href": f"https://wa.me/?text={t}%20{u}"},
        {"name": _("Email"), "href": "mailto:?" + urlencode({"subject": title, "body": url})},
    ]


def story_page(request: HttpRequest, token: str) -> HttpResponse:
    story = services.public_story(token)
    if story is None:
        raise Http404
    media = services.public_media(story)
    url = request.build_absolute_uri(reverse("stories:public_story", args=[story.public_token]))
    image = ""
    if media:
        image = request.build_absolute_uri(media_url(story, media[0], "poster"))
    context: dict[str, Any] = {
        "story": story,
        "media": [
            {"m": m, "src": media_url(story, m), "poster": media_url(story, m, "poster")}
            for m in media
        ],
        "url": url,
        "og_image": image,
        "description": Truncator(story.public_body).chars(200),
        "share": share_links(url, story.title),
    }
    return _fresh(render(request, "stories/public/story.html", context))


def public_media(request: HttpRequest, token: str, pk: int, which: str) -> HttpResponseBase:
    """A redacted output or its poster, only while the story is published and consents stand."""
    media = services.public_media_item(token, pk)
    if media is None or which not in ("file", "poster"):
        raise Http404
    name = media.redacted_name if which == "file" else media.poster_name
    if storage.path_of(name) is None:
        raise Http404
    return _fresh(file_response(name))


class StoriesFeed(Feed):
    """The Atom feed of published stories: the public text and links to redacted media."""

    feed_type = Atom1Feed
    title = gettext_lazy("Stories")
    subtitle = gettext_lazy("Good moments between officers and children, shared with consent.")

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.request = request
        return _fresh(super().__call__(request, *args, **kwargs))

    def link(self) -> str:
        return reverse("stories:public_list")

    def items(self) -> list[Story]:
        return list(services.published_stories()[:50])

    def item_title(self, item: Story) -> str:
        return item.title

    def item_description(self, item: Story) -> str:
        return item.public_body

    def item_link(self, item: Story) -> str:
        return reverse("stories:public_story", args=[item.public_token])

    def item_guid(self, item: Story) -> str:
        return f"tag:showup,story:{item.public_token}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Story) -> Any:
        return item.published_at

    def item_author_name(self, item: Story) -> str:
        return item.agency.name

    def item_enclosures(self, item: Story) -> list[Enclosure]:
        out: list[Enclosure] = []
        for media in services.public_media(item):
            path = storage.path_of(media.redacted_name)
            if path is None:
                continue
            mime = "video/mp4" if media.kind == StoryMedia.Kind.VIDEO else "image/jpeg"
            url = self.request.build_absolute_uri(media_url(item, media))
            out.append(Enclosure(url, str(path.stat().st_size), mime))
        return out


stories_feed = StoriesFeed()


@never_cache
@ratelimit.with_device_cookie
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian's private link: what they agreed to, and a button to withdraw it."""
    consent = services.consent_by_token(token)
    if consent is None:
        raise Http404
    limited: dict[str, Any] | None = None
    status = 200
    if request.method == "POST" and consent.revoked_at is None:
        decision = ratelimit.check(request, CONSENT_LIMIT_SCOPE)
        if not decision.allowed:
            limited = {"decision": decision, "phone": None, "photo": False, "emergency": False}
            status = 429
        else:
            try:
                consent = services.consent_revoke(consent=consent, actor=None)
            except StoryError as exc:  # pragma: no cover - the guardian path has no refusal
                raise Http404 from exc
    uses = [label for value, label in Consent.Use.choices if value in (consent.uses or [])]
    response = render(
        request,
        "stories/public/consent.html",
        {"consent": consent, "uses": uses, "limited": limited},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    if limited:
        response = ratelimit.too_many_headers(response, limited["decision"])
    return response
