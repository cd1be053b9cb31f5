"""The Celery Beat schedule (built in the model-lifecycle issue)."""
