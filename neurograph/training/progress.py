"""The training progress bar: tqdm's widget in a Jupyter notebook, its text bar elsewhere.

``tqdm.auto`` makes the same choice but warns ("IProgress not found") in a
notebook without ipywidgets; here that case quietly gets the text bar, which
Jupyter shows in the cell's output.
"""
from __future__ import annotations

import importlib.util
import sys


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell started by IPKernelApp)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in shell.config


def progress_bar(total: int, desc: str, show: bool | None):
    """A tqdm bar over ``total`` samples.  ``show``: None = on a terminal or in a
    notebook, True = always, False = never."""
    notebook = in_notebook()
    if notebook and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm
    else:
        from tqdm.std import tqdm
    disable = (not show) if show is not None else (False if notebook else None)
    return tqdm(total=total, desc=desc, unit="sample", disable=disable, leave=False)
