"""How a History shows itself: a one-line summary, its curves, and an HTML table for notebooks."""
from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

from neurograph.explanations.html import html_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from neurograph.training.history import EpochRecord, History

#: epochs listed in the notebook table: the first and last few
SHOW = 5
SPLITS = ("train", "valid", "test")


def metric_label(history: History) -> str:
    return "accuracy" if history.metric == "accuracy" else "R²"


def summary(history: History) -> str:
    """``engine=graph epochs=200 train loss 0.0031 accuracy 1.0000 test accuracy 1.0000`` (bounded length)."""
    text = f"engine={history.engine} epochs={len(history)}"
    if len(history):
        last, name = history[-1], metric_label(history)
        for split in SPLITS:
            loss, score = getattr(last, f"{split}_loss"), getattr(last, f"{split}_{history.metric}")
            if loss is not None:
                text += f" {split} loss {loss:.4g} {name} {score:.4f}"
    if history.stopped:
        text += " (stopped: diverged)"
    return text


def curves_figure(history: History, title: str = "") -> Figure:
    """Loss and accuracy (or R²) per epoch for every split that was scored (needs matplotlib)."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise RuntimeError("History curves need matplotlib: pip install 'neurograph[plot]'") from None
    epochs = history.column("epoch")
    fig = Figure(figsize=(10, 4), dpi=100)
    ax_loss, ax_score = fig.subplots(1, 2)
    marker = "o" if len(epochs) <= 50 else None
    for split in SPLITS:
        loss, score = history.column(f"{split}_loss"), history.column(f"{split}_{history.metric}")
        if any(v is not None for v in loss):
            ax_loss.plot(epochs, loss, marker=marker, label=split)
            ax_score.plot(epochs, score, marker=marker, label=split)
    name = metric_label(history)
    ax_loss.set(xlabel="epoch", ylabel="mean loss per sample", title="loss")
    ax_score.set(xlabel="epoch", ylabel=name, title=name)
    for ax in (ax_loss, ax_score):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title or f"training on the {history.engine} engine")
    fig.tight_layout()
    return fig


def history_html(history: History) -> str:
    """The summary, the first and last epochs as a table, and the curves as an inline PNG."""
    name = metric_label(history)
    records = list(history.records)
    shown: list[EpochRecord | None] = [*records] if len(records) <= 2 * SHOW else [*records[:SHOW], None,
                                                                                *records[-SHOW:]]
    rows = [("…",) * 7 if r is None else
            (r.epoch, r.lr, r.train_loss, getattr(r, f"train_{history.metric}"), r.test_loss,
             getattr(r, f"test_{history.metric}"), r.seconds) for r in shown]
    table = html_table(["epoch", "lr", "train loss", f"train {name}", "test loss", f"test {name}", "s"], rows,
                       caption=f"History: {summary(history)}")
    if not records:
        return table
    buf = io.BytesIO()
    try:
        curves_figure(history).savefig(buf, format="png", dpi=60)
    except RuntimeError:                  # no matplotlib: the table alone
        return table
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'{table}<img alt="training curves" src="data:image/png;base64,{png}"/>'
