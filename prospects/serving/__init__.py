"""Scoring, explaining and describing predictions: the code the workers (and rankings) run."""
