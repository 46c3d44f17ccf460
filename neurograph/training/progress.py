"""The training progress bar: tqdm's widget in a Jupyter notebook, its text bar on a terminal.

``tqdm.auto`` makes the same choice but warns ("IProgress not found") in a
notebook without ipywidgets.  Here that case shows no bar unless asked for
(``progress=True`` gives the text bar).  One bar serves the whole run: it is
reset at the start of every epoch, so a notebook cell holds one widget, not
one per epoch.
"""
from __future__ import annotations

import importlib.util
import sys
from typing import Any


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell started by IPKernelApp)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in shell.config


def progress_bar(total: int, desc: str, show: bool | None):
    """A tqdm bar over ``total`` samples.  ``show``: None = on a terminal, or in a
    notebook that has ipywidgets; True = always; False = never."""
    widgets = in_notebook() and importlib.util.find_spec("ipywidgets") is not None
    if widgets:
        from tqdm.notebook import tqdm
    else:
        from tqdm.std import tqdm
    disable = (not show) if show is not None else (False if widgets else None)
    return tqdm(total=total, desc=desc, unit="sample", disable=disable, leave=False)


class TrainingBar:
    """``with bars.start(epoch, samples) as bar:`` around each epoch; closed after the last
    epoch or when training stops early."""

    def __init__(self, epochs: int, show: bool | None):
        self.epochs, self.show, self.epoch = epochs, show, 0
        self.bar: Any = None                # the tqdm bar, made when the first epoch starts

    def start(self, epoch: int, total: int) -> TrainingBar:
        """Epoch ``epoch`` (from 1) of ``total`` samples begins."""
        self.epoch, desc = epoch, f"epoch {epoch}/{self.epochs}"
        if self.bar is None:
            self.bar = progress_bar(total, desc, self.show)
        else:
            self.bar.reset(total=total)
            self.bar.set_description(desc, refresh=False)
        return self

    def update(self, n: int) -> None:
        self.bar.update(n)

    def set_postfix(self, **values) -> None:
        self.bar.set_postfix(**values)

    def __enter__(self) -> TrainingBar:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or self.epoch == self.epochs:
            self.bar.close()
