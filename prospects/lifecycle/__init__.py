"""The model lifecycle: retraining, champion/challenger evaluation, A/B reports, monitoring.

Modules split by what they import. ``settings``, ``flight``, ``events``,
``listing`` and ``experiment`` need only SQLAlchemy and Redis (the API uses
them); ``evaluate``, ``drift``, ``outcomes``, ``aliases``, ``retrain`` and
``monitor`` use the ML stack and run in workers and the CLI. Nothing here
imports Celery or Flask: ``tasks/`` and ``app/`` wire it in.
"""
