"""Public verification pages (placeholder: the verification work replaces this)."""

from django.http import HttpRequest, HttpResponse

from tichub.core.policies import PUBLIC
from tichub.core.routes import policy


@policy(PUBLIC)
def verify_report(request: HttpRequest, public_id: str) -> HttpResponse:
    return HttpResponse(public_id)
