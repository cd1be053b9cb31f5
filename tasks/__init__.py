"""Thin Celery tasks that call into ``prospects`` (built in the serving-path issue)."""
