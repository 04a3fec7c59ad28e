"""The investigators' workspace in the browser (``qinglian serve``): FastAPI, Jinja2 pages and htmx,
every asset served from the package. App data (users, memberships, sessions, access log) lives in
its own database (SQLite by default); case data is read from the case stores."""

from __future__ import annotations
