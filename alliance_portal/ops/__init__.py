"""Running the portal in production: logs, gunicorn's logger, one-at-a-time scheduled jobs.

The shell scripts beside this module back up and restore the database
(`pg_backup`); `measure_reload.py` times a gunicorn reload. See the README,
"Running in production".
"""
