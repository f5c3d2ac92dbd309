"""gunicorn settings, read from the working directory (the systemd unit and the benchmarks
start gunicorn here). Command-line options still win."""

import gc
import os

import gunicorn.http.wsgi

# Responses do not name the server. gunicorn has no setting for its `Server: gunicorn` header
# (benoitc/gunicorn#825); the value it writes is this module constant, read for every response.
# GUNICORN_SERVER_HEADER sets another value (empty: the header is sent empty).
gunicorn.http.wsgi.SERVER = os.environ.get("GUNICORN_SERVER_HEADER", "")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))  # measured best on 2 CPUs (bench/load.py)
timeout = 60
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    # Everything loaded so far (Django, the app, templates) lives as long as the worker:
    # keep it out of the garbage collector's full passes, which otherwise add ~45 ms to
    # every few requests.
    gc.freeze()
