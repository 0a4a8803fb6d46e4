from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from tichub.config.api import api

urlpatterns = [
    path("", include("tichub.core.urls")),
    path("accounts/", include("tichub.accounts.urls")),
    path("standards/", include("tichub.standards.urls")),
    path("registry/", include("tichub.registry.urls")),
    path("market/", include("tichub.marketplace.urls")),
    path("lab/", include("tichub.lims.urls")),
    path("metrology/", include("tichub.metrology.urls")),
    path("trust/", include("tichub.trust.urls")),
    path("reports/", include("tichub.reports.urls")),
    path("reports/", include("tichub.reports.urls_share")),
    path("verify/", include("tichub.reports.urls_public")),
    path(".well-known/tichub/", include("tichub.trust.urls_public")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "tichub.core.views.bad_request"
handler403 = "tichub.core.views.permission_denied"
handler404 = "tichub.core.views.page_not_found"
handler500 = "tichub.core.views.server_error"
