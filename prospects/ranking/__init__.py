"""Bulk rankings: every prospect scored and explained in chunks, kept as a durable snapshot.

``filters``, ``keys``, ``store`` and ``queries`` need only SQLAlchemy and Redis (the
API imports them); ``select`` and ``chunk`` use the feature code (and its ``roster`` rules) and
run in workers. Nothing here imports Celery: ``tasks/rank.py`` wires it together.
"""
