"""gunicorn's own log and its access log as JSON, like the portal's (`logger_class` in
alliance_portal/gunicorn.conf.py).

An access line names the method, the path (never the query string, and with the
secret part of a private link masked), the status, the bytes sent, how long the
answer took, the request's id and the signed-in user's pk. It leaves out the
client's address, the referrer and the user agent: the reverse proxy in front
logs who called, under its own retention.
"""

from gunicorn import glogging

from .logs import ENVIRON_REQUEST_ID, ENVIRON_USER_ID, PortalJsonFormatter, loggable_path


class JsonLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        formatter = PortalJsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = getattr(resp, "status_code", None)
        method = environ.get("REQUEST_METHOD", "-")
        path = loggable_path(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        try:
            self.access_log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "bytes": getattr(resp, "sent", None),
                    "duration_ms": round(request_time.total_seconds() * 1000, 1),
                    "request_id": environ.get(ENVIRON_REQUEST_ID),
                    "user_id": environ.get(ENVIRON_USER_ID),
                },
            )
        except Exception:
            self.exception("Could not write an access log line.")
