"""Training on either engine, with a History of every epoch.

``train(net, X, y, ...)`` runs stochastic gradient descent over the samples
in (optionally shuffled) minibatches of ``batch_size`` rows:

    per sample  (batch_size=1)   w ← w − η·(∂C_x/∂w + λ·w)
    minibatch   (batch_size=m)   w ← w − η·((1/m)·Σ_x ∂C_x/∂w + λ·w)      (Δ = δ/m, seed 004)
    biases                       b ← b − η·(1/m)·Σ_x ∂C_x/∂b              (never decayed; biases=False: fixed)

``engine="graph"`` walks the Node/Edge objects one sample at a time (the
graph engine sums the m per-sample gradients; stepping with η/m and λ·m gives
exactly the batch-mean rule above).  ``engine="matrix"`` copies the weights
into a ``MatrixNetwork`` and does each minibatch as a few matrix products.
Either way the trained weights end on the edges of the ``Network`` you passed
(it is updated in place; ``history.network`` is that same object), so it can
be drawn, explained and saved.  Given a ``MatrixNetwork`` instead, ``train``
updates it in place and ``history.network`` is a new ``Network`` from
``to_graph()``.

Labels y are integers.  With n outputs > 1 the target of label k is the
one-hot vector with ``on`` at k and ``off`` elsewhere (``targets=(off, on)``,
seed 003 uses (0.01, 0.99)) and the prediction is argmax a; with a single
output the target is ``on`` for label 1, ``off`` for 0, and the prediction is
1 when a > (off + on)/2.  Float targets of shape (m, n_out) with a squared
loss are regression: the History then reports R² instead of the accuracy
(``neurograph.training.targets``).

Divergence guard: after every minibatch the loss must be finite and at most
``max_loss``.  Otherwise the weights are restored to the end of the last
complete epoch, the reason is stored in ``history.stopped`` and
``TrainingDiverged`` is raised (it carries the history).

BLAS runs single-threaded during training (``threadpoolctl.threadpool_limits(1)``
by default): on small matrices extra threads only add overhead on a shared machine.
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from collections.abc import Callable

import numpy as np

from neurograph.engine.graph import Network
from neurograph.engine.losses import get_loss
from neurograph.matrix.network import MatrixNetwork
from neurograph.engine import validation as check
from neurograph.training.progress import TrainingBar
from neurograph.training.engines import GraphEngine, MatrixEngine, make_engine
from neurograph.training.history import (EpochRecord, History, ScheduleFailed, TrainingDiverged,
                                         TrainingInterrupted)
from neurograph.training.targets import Task, task_for

Schedule = float | dict | Callable[[int], float]
PER_SAMPLE_CHUNK = 1000        # samples per call of the fused per-sample path (the progress bar moves between)


def learning_rate(schedule: Schedule, epoch: int) -> float:
    """η for ``epoch`` (counted from 0): a number, a callable epoch → η, or a dict
    {first epoch: η} such as {0: 0.1, 50: 0.01} (seed 001)."""
    if callable(schedule):
        value = schedule(epoch)
    elif isinstance(schedule, dict):
        value = schedule[max(k for k in schedule if k <= epoch)]
    else:
        value = schedule
    return check.non_negative(value, f"learning rate of epoch {epoch}")


def _check_schedule(schedule: Schedule) -> None:
    if isinstance(schedule, dict):
        if not schedule or 0 not in schedule or not all(check.is_whole(k, 0) for k in schedule):
            raise ValueError(f"a learning-rate schedule dict maps epochs (ints ≥ 0, including 0) "
                             f"to rates, e.g. {{0: 0.1, 50: 0.01}}; got {schedule!r}")
        for k in schedule:
            learning_rate(schedule, k)
    elif not callable(schedule):
        learning_rate(schedule, 0)


def _steps(eng, X: np.ndarray, T: np.ndarray, order: np.ndarray, batch_size: int, eta: float,
           weight_decay: float, biases: bool, max_loss: float):
    """One training epoch as (first sample, rows done, Σ loss·rows, last loss, outputs, note) per minibatch —
    or, at batch size 1 on the matrix and graph engines, per chunk of samples through the fused per-sample path."""
    if batch_size == 1 and isinstance(eng, MatrixEngine):
        for b in range(0, len(order), PER_SAMPLE_CHUNK):
            losses, Y = eng.fit_samples(X, T, order[b:b + PER_SAMPLE_CHUNK], eta, weight_decay, biases, max_loss)
            total = 0.0
            for value in losses.tolist():
                total += value                               # Σ_x C_x, in sample order
            yield b, order[b:b + len(losses)], total, float(losses[-1]), Y, ""
        return
    if batch_size == 1 and isinstance(eng, GraphEngine):
        yield from eng.sample_steps(X, T, order, PER_SAMPLE_CHUNK, eta, weight_decay, biases, max_loss)
        return
    for b in range(0, len(order), batch_size):
        idx = order[b:b + batch_size]
        try:
            rows = X[idx] if isinstance(eng, MatrixEngine) else np.asarray(X[idx], dtype=float)
            loss, Y = eng.fit(rows, T[idx], eta, weight_decay, biases)
        except ValueError as exc:       # data were checked above: only overflow lands here
            yield b, idx, float("nan"), float("nan"), None, f" ({exc})"
        else:
            yield b, idx, loss * len(idx), loss, Y, ""


def _labels_and_targets(X, y, n_in: int, n_out: int, loss: str, targets: tuple[float, float], what: str):
    """Check X (samples × n_in, finite real numbers) and labels or targets y; return X, y, T and the Task."""
    X = check.real_array(X, f"{what} X")
    if X.ndim != 2 or X.shape[1] != n_in or len(X) == 0:
        raise ValueError(f"{what} X has shape {X.shape} ({X.dtype}); expected (samples, {n_in}) numbers")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{what} X contains NaN or inf")
    task, y = task_for(y, n_out, loss, targets, what, len(X))
    return X, y, task.targets(y), task


def _target_pair(targets) -> tuple[float, float]:
    """``targets=(off, on)``: two different finite numbers."""
    if not isinstance(targets, (tuple, list)) or len(targets) != 2:
        raise ValueError(f"targets must be a pair (off, on) such as (0.0, 1.0) or (0.01, 0.99), "
                         f"got {check.show(targets)}")
    off, on = (check.finite_number(v, f"targets[{i}] ({name} value)")
               for i, (v, name) in enumerate(zip(targets, ("off", "on"), strict=True)))
    if off == on:
        raise ValueError(f"targets (off, on) must differ, got {targets!r}")
    return off, on


def _check_options(epochs, batch_size, weight_decay, shuffle, seed, progress, threads, max_loss) -> float:
    """Every count and flag of ``train``, named when wrong; returns the weight decay λ."""
    check.whole_number(epochs, "epochs", 1)
    check.whole_number(batch_size, "batch_size", 1)
    check.boolean(shuffle, "shuffle")
    check.seed(seed)
    if progress is not None:
        check.boolean(progress, "progress (None, True or False)")
    if threads is not None:
        check.whole_number(threads, "threads (None leaves BLAS alone)", 1)
    check.positive(max_loss, "max_loss")
    return check.non_negative(weight_decay, "weight_decay")


def _check_loss(model: Network | MatrixNetwork) -> None:
    """Refuse a loss the output layer cannot have (cross-entropy on relu …) before training starts."""
    graph = model if isinstance(model, Network) else model.to_graph()
    get_loss(graph.loss).check_outputs(graph.outputs)


def _score(engine, X, y, T, task: Task) -> tuple[float, float]:
    """(mean loss, accuracy or R²) of the engine's current weights on a labelled set."""
    Y = engine.predict(X)
    loss = get_loss(engine.loss).value(Y, T)
    return float(np.mean(loss)), task.score(Y, y)


def evaluate(net: Network | MatrixNetwork, X, y, targets: tuple[float, float] = (0.0, 1.0),
             engine: str = "matrix") -> tuple[float, float]:
    """(mean loss, accuracy) of ``net`` on images X with integer labels y, or
    (mean loss, R²) for float targets y of shape (samples, outputs).

    The loss is the network's own (with softmax outputs ln a is floored at
    1e-300).  ``engine="graph"`` computes along the edges, sample by sample.
    """
    eng = make_engine(net, engine, "row", dtype=str(net.dtype) if isinstance(net, MatrixNetwork) else "float64")
    return _score(eng, *_labels_and_targets(X, y, eng.n_in, eng.n_out, eng.loss, _target_pair(targets), "evaluation"))


class _KeepLastEpoch:
    """Ctrl-C inside ``train``: put back the weights of the last finished epoch, then
    raise TrainingInterrupted with the history (``history.network`` holds those weights)."""

    def __init__(self, engine, history: History):
        self.engine, self.history, self.good, self.epoch = engine, history, None, -1

    def start(self, epoch: int):
        """Snapshot the weights as epoch ``epoch`` (from 0) begins; returns the snapshot."""
        self.good, self.epoch = self.engine.snapshot(), epoch
        return self.good

    def __enter__(self) -> _KeepLastEpoch:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None or not issubclass(kind, KeyboardInterrupt) or isinstance(exc, TrainingInterrupted):
            return
        done = len(self.history.records)
        if self.epoch == done:                  # interrupted inside epoch done + 1: undo its partial steps
            self.engine.restore(self.good)
        self.history.stopped = (f"interrupted (Ctrl-C) during epoch {done + 1}; the weights are those of the "
                                f"end of epoch {done}" + (" (the initial ones)" if done == 0 else ""))
        self.history.network = self.engine.finish()
        raise TrainingInterrupted(self.history.stopped, self.history) from exc


def train(net: Network | MatrixNetwork, X, y, *, engine: str = "graph", epochs: int = 1,
          lr: Schedule = 0.1, batch_size: int = 1, weight_decay: float = 0.0,
          targets: tuple[float, float] = (0.0, 1.0), valid=None, test=None,
          shuffle: bool = True, seed: int | None = 0, convention: str = "row",
          progress: bool | None = None, on_epoch: Callable[[EpochRecord], None] | None = None,
          threads: int | None = 1, max_loss: float = 1e6, biases: bool = True,
          device: str = "cpu", dtype: str = "float64") -> History:
    """Train ``net`` on images X (samples × inputs) with integer labels y
    (or float targets y of shape (samples, outputs) for regression).

    ``lr`` is a number, {first epoch: η} or a callable epoch → η (epochs from 0).
    ``valid`` and ``test`` are optional (X, y) pairs scored after every epoch.
    ``shuffle`` reorders the samples every epoch with ``numpy.random.default_rng(seed)``.
    ``progress``: None shows a tqdm bar on a terminal or as a notebook widget, False never, True always.
    ``on_epoch(record)`` is called after each epoch (the CLI prints there).
    ``threads`` caps BLAS threads (threadpoolctl; None leaves them alone).
    ``biases=False`` trains the weights only and keeps every bias fixed (Mazur's example).
    ``engine="torch"`` trains through ``to_torch`` on ``device`` in ``dtype`` (float64 or
    float32; see ``neurograph.training.torch_engine``); ``engine="matrix"`` computes in
    ``dtype`` too (a MatrixNetwork: its own, which ``dtype`` must name); the graph engine
    only in float64.  At batch_size=1 the matrix engine runs its fused per-sample loop
    (``MatrixNetwork.fit_samples``).
    Returns the History; the weights end on ``history.network``'s edges.
    Raises TrainingDiverged (weights restored to the last complete epoch)
    when a minibatch loss is NaN/inf or above ``max_loss``, ScheduleFailed
    (the last complete epoch kept) when a callable ``lr`` returns a bad η, and on
    Ctrl-C TrainingInterrupted (a KeyboardInterrupt; weights of the last finished epoch).
    """
    eng = make_engine(net, engine, convention, device, dtype)
    n_in, n_out = eng.n_in, eng.n_out
    targets = _target_pair(targets)
    X, y, T, task = _labels_and_targets(X, y, n_in, n_out, eng.loss, targets, "training")
    held_out = {name: _labels_and_targets(pair[0], pair[1], n_in, n_out, eng.loss, targets, name)
                for name, pair in (("valid", valid), ("test", test)) if pair is not None}
    for name, data in held_out.items():
        if data[3].metric != task.metric:
            raise ValueError(f"the {name} y are scored by {data[3].metric} but the training y by {task.metric}: "
                             "give labels (or targets) of the same kind")
    weight_decay = _check_options(epochs, batch_size, weight_decay, shuffle, seed, progress, threads, max_loss)
    biases = check.boolean(biases, "biases")
    _check_schedule(lr)
    _check_loss(net)

    from threadpoolctl import threadpool_limits

    if isinstance(eng, MatrixEngine):                       # converted once, not per batch
        X, T = np.ascontiguousarray(X, dtype=eng.dtype), np.ascontiguousarray(T, dtype=eng.dtype)
    every = 1 if batch_size == 1 and isinstance(eng, MatrixEngine | GraphEngine) else 200   # steps between postfixes
    rng = np.random.default_rng(seed)
    history = History(engine=eng.name, metric=task.metric)
    limits = threadpool_limits(limits=threads) if threads else nullcontext()
    with limits, np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
            _KeepLastEpoch(eng, history) as guard:
        bars = TrainingBar(epochs, progress)
        for epoch in range(epochs):
            try:
                eta = learning_rate(lr, epoch)
            except (TypeError, ValueError) as exc:           # a callable schedule, checked only now
                history.stopped = (f"training stopped before epoch {epoch + 1} of {epochs}: {exc} (the schedule "
                                   f"counts epochs from 0); the network keeps the parameters of the last good "
                                   f"epoch, {epoch}, and the history its {epoch} epochs")
                history.network = eng.finish()
                raise ScheduleFailed(history.stopped, history) from None
            good = guard.start(epoch)
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            bar = bars.start(epoch + 1, len(X))
            total_loss, tally = 0.0, 0.0
            start = time.perf_counter()
            with bar:
                steps = _steps(eng, X, T, order, batch_size, eta, weight_decay, biases, max_loss)
                for done, (b, idx, step_loss, loss, Y, overflow) in enumerate(steps, 1):
                    if not np.isfinite(loss) or loss > max_loss:
                        eng.restore(good)
                        history.stopped = (
                            f"training diverged in epoch {epoch + 1} at sample {b + len(idx)}: "
                            f"minibatch loss {loss:.4g}{overflow} (limit {max_loss:g}) with lr {eta:g}; the weights "
                            f"were restored to the end of epoch {epoch} (the last good ones). "
                            "Try a smaller learning rate.")
                        history.network = eng.finish()
                        raise TrainingDiverged(history.stopped, history)
                    total_loss += step_loss
                    tally = tally + task.tally(Y, y[idx])
                    bar.update(len(idx))
                    if done % every == 0:
                        seen = b + len(idx)
                        bar.set_postfix(loss=f"{total_loss / seen:.4f}",
                                        **{task.metric: f"{task.value(tally):.4f}"}, refresh=False)
            seconds = time.perf_counter() - start
            scores = {name: _score(eng, *data) for name, data in held_out.items()}
            scores["train"] = (total_loss / len(X), task.value(tally))
            record = EpochRecord.of(epoch + 1, eta, scores, task.metric, seconds,
                                    time.perf_counter() - start - seconds)
            history.records.append(record)
            if on_epoch is not None:
                on_epoch(record)
    history.network = eng.finish()
    return history
