"""What training reports: one EpochRecord per epoch in a History, and the three ways a run
stops early (TrainingDiverged, ScheduleFailed, TrainingInterrupted), each carrying the History."""
from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from pathlib import Path


from neurograph.engine.graph import Network
from neurograph.explanations.tables import format_table
from neurograph.io.atomic import write_atomic


class TrainingDiverged(RuntimeError):
    """The loss became NaN/inf or exceeded ``max_loss``; ``.history`` holds what ran."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


class ScheduleFailed(ValueError):
    """The learning-rate schedule gave a bad η (NaN, inf, < 0, not a number) before some epoch;
    ``.history`` holds the epochs that ran and ``.history.network`` their parameters."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``train``: the weights are those of the last finished epoch, ``.history`` holds it."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


@dataclass
class EpochRecord:
    """One epoch: its learning rate, the running training loss/accuracy (averaged
    over the samples as they were trained on), the held-out scores after the
    epoch, and the wall-clock seconds of the training pass and of the evaluation.
    Regression fills the ``*_r2`` fields (R²) and leaves the accuracies None."""

    epoch: int
    lr: float
    train_loss: float
    train_accuracy: float | None
    valid_loss: float | None
    valid_accuracy: float | None
    test_loss: float | None
    test_accuracy: float | None
    seconds: float
    eval_seconds: float
    train_r2: float | None = None
    valid_r2: float | None = None
    test_r2: float | None = None

    @classmethod
    def of(cls, epoch: int, lr: float, scores: dict[str, tuple[float, float]], metric: str,
           seconds: float, eval_seconds: float) -> EpochRecord:
        """A record from {split: (mean loss, score)}; the score goes to ``<split>_<metric>``."""
        values: dict = {f"{split}_{kind}": None for split in ("train", "valid", "test")
                        for kind in ("loss", "accuracy", "r2")}
        for split, (loss, score) in scores.items():
            values[f"{split}_loss"], values[f"{split}_{metric}"] = loss, score
        return cls(epoch=epoch, lr=lr, seconds=seconds, eval_seconds=eval_seconds, **values)


@dataclass
class History:
    """What ``train`` did, epoch by epoch (``history[-1].test_accuracy`` …)."""

    engine: str
    records: list[EpochRecord] = field(default_factory=list)
    stopped: str | None = None
    network: Network | None = None
    preset: object | None = None      # set by neurograph.training.presets.run_preset
    metric: str = "accuracy"          # "accuracy" (classes) or "r2" (regression)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> EpochRecord:
        return self.records[i]

    def column(self, name: str) -> list:
        """One field over all epochs, e.g. ``history.column("test_accuracy")``."""
        return [getattr(r, name) for r in self.records]

    def to_dicts(self) -> list[dict]:
        """One plain dict per epoch (the EpochRecord fields), for pandas or JSON."""
        return [asdict(r) for r in self.records]

    def table(self) -> str:
        """The epochs as a text table."""
        short = "acc" if self.metric == "accuracy" else "R²"
        rows = [(r.epoch, r.lr, r.train_loss, getattr(r, f"train_{self.metric}"), getattr(r, f"valid_{self.metric}"),
                 r.test_loss, getattr(r, f"test_{self.metric}"), r.seconds) for r in self.records]
        return format_table(["epoch", "lr", "train loss", f"train {short}", f"valid {short}", "test loss",
                             f"test {short}", "s"], rows, floatfmt=".4f")

    def plot(self, path: Path | str, title: str = "") -> Path:
        """Save loss and accuracy (or R²) curves as a PNG (needs matplotlib: extra ``plot``)."""
        from neurograph.training.history_view import curves_figure
        png = io.BytesIO()
        curves_figure(self, title).savefig(png, format="png")
        return write_atomic(path, png.getvalue(), example="curves.png")      # through symlinks, keeping the mode

    def __repr__(self) -> str:
        from neurograph.training.history_view import summary
        return f"<History {summary(self)}>"

    def _repr_html_(self) -> str:
        from neurograph.training.history_view import history_html
        return history_html(self)
