"""One way for every command to open a model file, chosen by its suffix.

    model.onnx   an ONNX MLP graph      (``Network.from_onnx``, needs the onnx extra)
    anything     a neurograph JSON model (``Network.load``)
"""
from __future__ import annotations

from pathlib import Path

from neurograph.engine.graph import Network

#: the suffixes read as ONNX; every other file is read as neurograph JSON
ONNX_SUFFIXES = (".onnx",)


def load_model(path) -> Network:
    """The ``Network`` stored in ``path``: ONNX by suffix, else JSON.

    A missing optional package becomes a RuntimeError carrying its install
    hint, so that the commands report it as bad input (exit code 2).
    """
    path = Path(path)
    if path.suffix.lower() not in ONNX_SUFFIXES:
        return Network.load(path)
    try:
        return Network.from_onnx(path)
    except ImportError as exc:
        raise RuntimeError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
