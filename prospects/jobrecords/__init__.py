"""Durable job records: the ``jobs`` table that outlives Redis, and the sweeper that uses it.

``records`` (SQLAlchemy only) is what the API and the workers write; ``sweep``
(SQLAlchemy and Redis) re-sends jobs whose messages were lost. Neither imports
Celery, Flask or the ML stack: ``app/`` and ``tasks/`` wire them in.
"""
