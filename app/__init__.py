"""The Flask API (built in the serving-path issue)."""
