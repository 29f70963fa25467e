"""Static files as production collects and serves them: only the GOV.UK Frontend files
that pages use, each with Brotli and gzip copies, served by WhiteNoise in whichever
encoding the browser asks for."""

import json
from pathlib import Path


def manifest_of(environment):
    """The collected files' names, by the manifest collectstatic wrote."""
    manifest = Path(environment["STATIC_ROOT"]) / "staticfiles.json"
    return json.loads(manifest.read_text())["paths"]


def test_only_the_govuk_frontend_files_pages_use_are_collected(production_environment):
    manifest = manifest_of(production_environment)
    govuk = {name for name in manifest if name.startswith("govuk-frontend/")}

    assert "govuk-frontend/govuk-frontend.min.js" in govuk
    assert "govuk-frontend/assets/images/govuk-crest.svg" in govuk
    assert {name for name in govuk if not name.startswith("govuk-frontend/assets/")} == {
        "govuk-frontend/govuk-frontend.min.js",
        "govuk-frontend/govuk-frontend.min.js.map",
    }
    assert not [name for name in manifest if name.endswith((".scss", ".njk"))]


def test_static_files_go_out_in_brotli_or_gzip_as_asked(start_gunicorn, production_environment):
    manifest = manifest_of(production_environment)
    stylesheet = "/static/" + manifest["css/portal.css"]
    server = start_gunicorn()

    brotli = server.ask(stylesheet, **{"Accept-Encoding": "br, gzip"})
    gzip = server.ask(stylesheet, **{"Accept-Encoding": "gzip"})
    plain = server.ask(stylesheet)

    assert (brotli[0], brotli[1].get("Content-Encoding")) == (200, "br")
    assert (gzip[0], gzip[1].get("Content-Encoding")) == (200, "gzip")
    assert plain[1].get("Content-Encoding") is None
    assert len(brotli[2]) < len(gzip[2]) < len(plain[2])
    assert "immutable" in brotli[1]["Cache-Control"]
