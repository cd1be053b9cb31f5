"""The weekly data feed: a drop location for the week's CSV files, ingested before retraining.

See docs/feed.md. ``location`` is where batches arrive (a folder, or an S3
bucket and prefix), ``checks`` what makes a batch suspicious, ``ingest`` the
import (upsert) with its archive, its hold and the hold's effect on retraining.
"""
