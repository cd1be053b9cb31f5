"""``callup up``: the whole system on one machine from one command, on embedded defaults.

``bootstrap`` prepares the state (schema, demo league, champion, demo key),
``redis_local`` finds or starts a Redis, ``supervisor`` runs the API, a
worker and Beat as child process groups with prefixed output, and ``run``
ties them together and stops them all on Ctrl-C. This is command-line
machinery: it writes to the terminal through the ``echo`` it is given.
"""
