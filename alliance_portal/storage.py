"""Static files: hashed names, compressed copies and imports rewritten in production, and\nonly the GOV.UK Frontend files that pages use."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.contrib.staticfiles.utils import get_files
from django.core.checks import Warning
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class PortalStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, which also rewrites `import ... from "..."` in JavaScript
    modules to the hashed file names, so `static/js/portal.js` can import GOV.UK
    Frontend as a file (the Content-Security-Policy allows no inline script)."""

    support_js_module_import_aggregation = True


class GovukFrontendFinder(BaseFinder):
    """The files of GOV.UK Frontend's `dist` that pages use, under /static/govuk-frontend/:
    its JavaScript bundle (with the source map the bundle names) and its assets.

    The stylesheet is compiled from its Sass into our own `static/css/portal.css`, so
    the package's Sass, templates and separate modules (some 900 files) are not
    collected, served or compressed.
    """

    prefix = "govuk-frontend"
    used_files = ("govuk-frontend.min.js", "govuk-frontend.min.js.map")
    used_folders = ("assets/",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=settings.GOVUK_FRONTEND_DIST)
        self.storage.prefix = self.prefix

    def is_used(self, path):
        return path in self.used_files or path.startswith(self.used_folders)

    def check(self, **kwargs):
        if not Path(settings.GOVUK_FRONTEND_DIST, self.used_files[0]).exists():
            return [
                Warning(
                    f"GOV.UK Frontend is not installed at {settings.GOVUK_FRONTEND_DIST}.",
                    hint="Run `make install` (npm ci) to install it.",
                    id="portal.W020",
                )
            ]
        return []

    def find(self, path, find_all=False, **kwargs):
        found = []
        name = path.removeprefix(self.prefix + "/")
        if name != path and self.is_used(name) and self.storage.exists(name):
            found.append(self.storage.path(name))
        if find_all:
            return found
        return found[0] if found else None

    def list(self, ignore_patterns):
        for path in get_files(self.storage, ignore_patterns):
            if self.is_used(path):
                yield path, self.storage
