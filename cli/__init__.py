"""The operator's edge: the ``callup`` command line (``cli.main``) and ``callup up`` (``cli.up``).

Beside ``app/`` (the HTTP edge), it uses ``prospects/`` and, to send tasks by
name, ``workers.celery_app``; nothing imports it back.
"""
