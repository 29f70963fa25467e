"""The portal's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from alliance_portal.urls import (  # noqa: F401 (Django reads the handlers from this module)
    handler400,
    handler403,
    handler404,
    handler500,
)
from alliance_portal.urls import urlpatterns as portal_urlpatterns


def broken(request):
    raise RuntimeError("A bug in a view")


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def wrapped_database_error(request):
    try:
        raise OperationalError("canceling statement due to lock timeout")
    except OperationalError as error:
        raise RuntimeError("Could not build the page") from error


def suspicious(request):
    raise SuspiciousOperation("A request the portal refuses to read")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("test-errors/broken/", broken),
    path("test-errors/database/", database_gone),
    path("test-errors/wrapped-database/", wrapped_database_error),
    path("test-errors/suspicious/", suspicious),
    path("test-errors/forbidden/", forbidden),
    *portal_urlpatterns,
]
