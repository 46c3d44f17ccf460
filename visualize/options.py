"""What a picture draws (``Options``) and a frame's decorations (``Step``), validated once."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from neurograph.engine.validation import whole_number

from visualize.collapse import check_max_per_layer
from visualize.names import check_names

if TYPE_CHECKING:
    from visualize.snapshot import Snapshot

LABELS = ("auto", "table", "edge", "none")
SHOWS = ("forward", "backward", "both")
RANKDIRS = ("LR", "TB")


@dataclass(frozen=True)
class Options:
    """What to draw; validated once here, at the boundary."""

    labels: str = "auto"
    show: str = "both"
    max_per_layer: int = 12
    precision: int = 2
    title: str | None = None
    values: bool = True
    names: str | Mapping[int, str] | None = None
    scale: float | None = None
    legend: bool = True
    rankdir: str = "LR"
    fixed_cells: bool = False     # every table cell a fixed size: a quiz and its key share one layout

    def __post_init__(self):
        if not isinstance(self.labels, str) or self.labels not in LABELS:
            raise ValueError(f"labels must be one of {LABELS}, got {self.labels!r}")
        if not isinstance(self.show, str) or self.show not in SHOWS:
            raise ValueError(f"show must be one of {SHOWS}, got {self.show!r}")
        check_max_per_layer(self.max_per_layer)
        whole_number(self.precision, "precision", 0, 8)
        if self.title is not None and not isinstance(self.title, str):
            raise TypeError(f"title must be a string, got {type(self.title).__name__}")
        for flag in ("values", "legend", "fixed_cells"):
            if not isinstance(getattr(self, flag), bool):
                raise TypeError(f"{flag} must be True or False, got {getattr(self, flag)!r}")
        check_names(self.names)
        if self.scale is not None and (isinstance(self.scale, bool) or not isinstance(self.scale, (int, float))
                                       or not 0 < self.scale < float("inf")):
            raise ValueError(f"scale must be a positive number (the |value| drawn darkest and widest) "
                             f"or None, got {self.scale!r}")
        if not isinstance(self.rankdir, str) or self.rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be one of {RANKDIRS}, got {self.rankdir!r}")

    @property
    def forward(self) -> bool:
        return self.show in ("forward", "both")

    @property
    def backward(self) -> bool:
        return self.show in ("backward", "both")


@dataclass(frozen=True)
class Step:
    """Frame decorations: which layer was just computed, and a caption."""

    layer: int | None = None
    caption: str = ""
    scale: Snapshot | None = None   # colour scales from here (all frames alike), else the drawn snapshot
