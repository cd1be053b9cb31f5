"""The Celery app and its worker-side machinery: signals and the warm model holder.

``celery -A workers worker -Q predict,rank,train`` and ``celery -A workers beat``.
"""

from workers.celery_app import celery_app

__all__ = ["celery_app"]
