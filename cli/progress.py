"""Terminal progress for long in-process work (``callup train``, ``callup up``'s first model)."""

from __future__ import annotations

import click


class TerminalProgress:
    """Renders ``(stage, done, total)`` reports as one updating line per stage."""

    def __init__(self) -> None:
        self._stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage and self._stage is not None:
            click.echo(err=True)
        self._stage = stage
        pct = 100 * done / total if total else 100
        click.echo(f"\r{stage}: {done}/{total} ({pct:.0f}%)", nl=False, err=True)
        if done >= total:
            click.echo(err=True)
            self._stage = None
