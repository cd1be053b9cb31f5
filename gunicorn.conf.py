"""Read by every ``gunicorn`` started in this folder (the image's, compose's, bench/, tests/).

Only what the command line cannot say: gunicorn's own error pages as JSON.
"""

from app.gunicorn_errors import install

install()
