"""Static files in production: hashed names, compressed copies, and imports rewritten."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class PortalStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, which also rewrites `import ... from "..."` in JavaScript
    modules to the hashed file names, so `static/js/portal.js` can import GOV.UK
    Frontend as a file (the Content-Security-Policy allows no inline script)."""

    support_js_module_import_aggregation = True
