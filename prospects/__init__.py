"""Callup's domain: the league data, features, training, registry and monitoring.

Importable without Celery or Flask; the API imports only the parts that need no
ML stack (``prospects.config``, ``prospects.db``).
"""
