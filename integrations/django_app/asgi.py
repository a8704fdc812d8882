"""``uvicorn integrations.django_app.asgi:application`` (the middleware runs async here)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integrations.django_app.settings")
application = get_asgi_application()
