"""The Celery app and the warm model holder (built in the serving-path issue)."""
