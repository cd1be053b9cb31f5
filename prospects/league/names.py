"""Plausible player names from small syllable lists, so a synthetic league reads like a real one."""

from __future__ import annotations

import numpy as np

FIRST_NAMES: tuple[str, ...] = (
    "Aaron", "Adrian", "Alex", "Andres", "Austin", "Ben", "Blake", "Brandon", "Bryce", "Caleb",
    "Carlos", "Chase", "Cody", "Cole", "Daniel", "David", "Diego", "Dylan", "Eduardo", "Eli",
    "Eric", "Felix", "Gabriel", "Grant", "Hunter", "Ivan", "Jack", "Jake", "Javier", "Jesus",
    "Jordan", "Jose", "Josh", "Juan", "Julio", "Kyle", "Logan", "Luis", "Marcus", "Mason",
    "Matt", "Miguel", "Nick", "Noah", "Oscar", "Pablo", "Rafael", "Ramon", "Ryan", "Sam",
    "Sean", "Tanner", "Travis", "Trevor", "Tyler", "Victor", "Wilson", "Yordan", "Zach",
)  # fmt: skip
_LAST_HEADS: tuple[str, ...] = (
    "Al", "Bar", "Bell", "Bran", "Cab", "Cal", "Car", "Dal", "Del", "Dun", "Es", "Fer", "Gar",
    "Gon", "Hal", "Har", "Her", "Kel", "Lan", "Mar", "Mc", "Mor", "Nor", "Or", "Pen", "Ram",
    "Rey", "Rod", "San", "Stan", "Tor", "Val", "Vel", "Wal", "Whit", "Win",
)  # fmt: skip
_LAST_TAILS: tuple[str, ...] = (
    "ano", "berg", "cia", "dez", "don", "er", "field", "ford", "ley", "lin", "man", "mer",
    "nez", "ner", "o", "ridge", "rios", "ton", "ves", "well", "ez", "ison", "ard", "ens",
)  # fmt: skip


def draw_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` names "First Last"; repeats are fine, as in any real league."""
    first = rng.integers(0, len(FIRST_NAMES), n)
    heads = rng.integers(0, len(_LAST_HEADS), n)
    tails = rng.integers(0, len(_LAST_TAILS), n)
    return [
        f"{FIRST_NAMES[f]} {_LAST_HEADS[h]}{_LAST_TAILS[t]}"
        for f, h, t in zip(first.tolist(), heads.tolist(), tails.tolist(), strict=True)
    ]
