# Served under WSGI (granian) by design: ASGI measured ~10x slower for Django here. Kept for features that need it.
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tichub.config.settings.prod")
application = get_asgi_application()
