"""WSGI entry point: `gunicorn alliance_portal.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance_portal.settings")

application = get_wsgi_application()
