"""The compiled plan of a Network: its layers, and per neuron the views the passes use.

A plan is built once after the structure changes (the first forward after a
``connect`` or ``add_neuron``) and holds, for every neuron j, in the order the
passes visit them (layer by layer, ids ascending):

- ``w``, ``g``: views of j's incoming weights and ∂C/∂w in the flat store;
- ``x``: the activations a_i of j's sources, a view of the network's ``a``
  when the sources are consecutive slots, else a buffer that ``take`` fills;
- ``tmp``: a buffer for the products w_ji·a_i or a_i·δ_j;
- ``back``: where j sends w_kj·δ_k back to (the Σw·δ entries of its sources),
  and ``later`` the same for plain inputs, whose δ is only computed when read;
  ``sum_view``: the view of Σw·δ that ``back`` names, when it is all of j's
  weights and consecutive slots (one BLAS call then sends them all).

The kernels make BLAS-1 calls (``Blas1``: ddot, daxpy, dcopy, dscal).  From
``SCIPY_EDGES`` edges on they are scipy's wrappers, which cost about half of
numpy's ``dot`` and ufuncs per call (imported at the first pass, not with the
package); a smaller network uses numpy's equivalents and never loads scipy.

No neuron is computed here: ``Network.forward`` and ``Network.backward`` walk
these kernels.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from neurograph.engine.activations import Activation, activation_groups

#: in a network small enough for generated code (``reduce=True``), z = Σ w·a is
#: summed by numpy's add.reduce up to this fan-in, in an order (left to right
#: below 8 terms, 8 running sums above) that generated code repeats exactly;
#: otherwise by BLAS ddot (faster, but its fused multiply-adds cannot be
#: written in Python)
REDUCE_FAN_IN = 128

Where = slice | np.ndarray          # positions in a node array: a slice when consecutive


def where(slots) -> Where:
    """``slots`` as a slice when they are consecutive (a view), else an index array."""
    idx = np.asarray(slots, dtype=np.intp)
    if len(idx) and np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
        return slice(int(idx[0]), int(idx[0]) + len(idx))
    return idx


class Blas1(NamedTuple):
    """scipy's BLAS-1 wrappers: ddot(x, y) = Σ x·y; daxpy(x, y, n, α): y ← α·x + y in place
    (one fused multiply-add per entry); dcopy(x, y): y ← x; dscal(α, x): x ← α·x."""

    ddot: Callable
    daxpy: Callable
    dcopy: Callable
    dscal: Callable


#: from this many edges on the kernels call scipy's BLAS (loading scipy once costs ~0.2 s, each call then ~0.3 µs less)
SCIPY_EDGES = 1000


def _axpy(x: np.ndarray, y: np.ndarray, n: int, alpha: float) -> np.ndarray:
    y += alpha * x                                  # α·x rounded, then added (daxpy rounds once)
    return y


def _copy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    np.copyto(y, x)
    return y


def _scal(alpha: float, x: np.ndarray) -> np.ndarray:
    x *= alpha
    return x


#: numpy's equivalents: ddot is the same BLAS sum; daxpy rounds α·x first, so it agrees with
#: scipy's wherever the kernels need it exact (y = 0, or α = 1) and to 1e-15 elsewhere
NUMPY_BLAS1 = Blas1(np.ndarray.dot, _axpy, _copy, _scal)
_SCIPY_BLAS1: list[Blas1] = []


def scipy_blas1() -> Blas1:
    """scipy's BLAS-1 wrappers, imported on first use (``import neurograph`` does not load scipy)."""
    if not _SCIPY_BLAS1:
        from scipy.linalg import blas
        _SCIPY_BLAS1.append(Blas1(blas.ddot, blas.daxpy, blas.dcopy, blas.dscal))
    return _SCIPY_BLAS1[0]


@dataclass
class Kernel:
    """What the passes need for one neuron (see the module docstring)."""

    slot: int
    w: np.ndarray
    g: np.ndarray
    x: np.ndarray
    take: np.ndarray | None
    tmp: np.ndarray
    reduce: bool
    back: tuple[Where, np.ndarray | None] | None
    later: tuple[Where, np.ndarray | None] | None
    sum_view: np.ndarray | None

    def parts(self) -> tuple:
        return (self.slot, self.w, self.g, self.x, self.take, self.tmp, self.reduce, self.back, self.later)

    def learning(self) -> tuple:
        """What backward and the fused step read: (slot, w, g, x, tmp, fan-in, back, sum_view)."""
        return (self.slot, self.w, self.g, self.x, self.tmp, len(self.w), self.back, self.sum_view)


@dataclass
class Layer:
    """One topological layer: its node slots (id order), activation groups and neuron kernels."""

    slots: list[int]
    groups: list[tuple[Activation, Where, Where]] = field(default_factory=list)
    # each group: (activation, where its nodes are in the node arrays, their positions in this layer)
    kernels: list[tuple] = field(default_factory=list)      # Kernel.parts(), unpacked fast
    learners: list[tuple] = field(default_factory=list)     # Kernel.learning() of the neurons with inputs
    learning: Where = field(default_factory=lambda: slice(0, 0))   # the learners' slots
    where: Where = field(default_factory=lambda: slice(0, 0))   # the layer's slots
    dots: tuple[list, list] | None = None                   # ([w], [x]) when every z is one ddot of views
    biased: bool = False                                    # some node of the layer has a bias
    sends: bool = False                                     # some neuron sends w·δ back (to a non-plain source)
    columns: tuple[list, list, list] = ([], [], [])          # the learners' (x, w, fan-in), for map(daxpy, …)
    grads: list = field(default_factory=list)               # ... their ∂C/∂w views
    tmps: list = field(default_factory=list)                # ... and temp buffers
    send_columns: tuple[list, list, list] | None = None     # (w, Σw·δ view, fan-in) when every learner has a view


    def add_kernels(self, kernels: list[Kernel]) -> None:
        """The neurons' kernels, and the lists the passes walk (see the fields)."""
        self.kernels = [k.parts() for k in kernels]
        learners = [k for k in kernels if len(k.w)]
        self.learners = [k.learning() for k in learners]
        self.learning = where([k.slot for k in learners])
        self.sends = any(k.back is not None for k in kernels)
        self.columns = ([k.x for k in learners], [k.w for k in learners], [len(k.w) for k in learners])
        self.grads, self.tmps = [k.g for k in learners], [k.tmp for k in learners]
        if learners and all(k.sum_view is not None for k in learners):
            self.send_columns = ([k.w for k in learners], [k.sum_view for k in learners], self.columns[2])
        if all(k.take is None and not k.reduce for k in kernels):
            self.dots = ([k.w for k in kernels], [k.x for k in kernels])


@dataclass
class Plan:
    layers: list[Layer]
    layer_of: dict[int, int]            # slot → layer number
    inputs: Where                       # slots of layer 0
    biased: Where                       # slots of the nodes with a bias
    deferred: bool                      # some plain input's δ is left until it is read
    biased_inputs: bool                 # some input has a bias (its δ is computed at once)
    n_slots: int
    edge_order: np.ndarray | None = None    # flat store index of each edge in net.edges order
    compiled: Any = None                    # codegen.Compiled for a small network, else None
    step_buffer: np.ndarray | None = None   # for step's η·∂C/∂w
    large: bool = False                     # SCIPY_EDGES edges or more
    calls: Blas1 | None = None              # the BLAS-1 calls, chosen at the first pass
    has_biases: bool = True                 # some node has a bias

    def blas(self) -> Blas1:
        """scipy's BLAS-1 for a large network, numpy's equivalents for a small one."""
        if self.calls is None:
            self.calls = scipy_blas1() if self.large else NUMPY_BLAS1
        return self.calls


def build(nodes: list, store, a: np.ndarray, sum_w_delta: np.ndarray, sorted_slots: list[int],
          reduce: bool = False) -> Plan:
    """The plan for ``nodes`` (by slot) whose edges are in ``store``, activations in ``a`` and
    backward sums Σ_k w_kj·δ_k in ``sum_w_delta``; ``sorted_slots`` lists sources before destinations."""
    large = sum(store.fan_in) >= SCIPY_EDGES
    reduce = reduce and not large                   # (no generated code of a large network to agree with)
    if not any(n.is_input for n in nodes):
        raise ValueError("the network has no input nodes; add some with add_input()")
    if not any(n.is_output for n in nodes):
        raise ValueError("the network has no neurons to compute; add some with add_neuron()")
    depth = np.zeros(len(nodes), dtype=np.intp)
    for slot in sorted_slots:
        node = nodes[slot]
        if not node.is_input:
            srcs = store.sources[store.block(slot)]
            depth[slot] = 1 + (int(depth[srcs].max()) if len(srcs) else 0)
    last = max(int(depth[n._slot]) for n in nodes if n.is_output)
    for n in nodes:
        if n.is_output:
            depth[n._slot] = last
    plain = np.array([n.is_input and not n.has_bias for n in nodes])   # δ only when read
    members: list[list] = [[] for _ in range(last + 1)]
    for n in sorted(nodes, key=lambda n: n.id):
        members[depth[n._slot]].append(n)
    layers = []
    for level, layer_nodes in enumerate(members):
        layer = Layer([n._slot for n in layer_nodes])
        for act, positions in activation_groups(layer_nodes):
            pos = np.array(positions, dtype=np.intp)
            layer.groups.append((act, where(np.asarray(layer.slots)[pos]), where(pos)))
        layer.where = where(layer.slots)
        layer.biased = any(n.has_bias for n in layer_nodes)
        if level:
            layer.add_kernels([_kernel(n._slot, store, a, sum_w_delta, plain, reduce) for n in layer_nodes])
        layers.append(layer)
    return Plan(layers, {int(s): int(depth[s]) for s in range(len(nodes))}, where(layers[0].slots),
                where([n._slot for n in nodes if n.has_bias]), bool(plain.any()),
                any(n.is_input and n.has_bias for n in nodes), len(nodes), large=large,
                has_biases=any(n.has_bias for n in nodes))


def _kernel(slot: int, store, a: np.ndarray, sum_w_delta: np.ndarray, plain: np.ndarray, reduce: bool) -> Kernel:
    block = store.block(slot)
    w, g, srcs = store.weights[block], store.grads[block], store.sources[block]
    take = where(srcs)
    if isinstance(take, slice):
        x, gather = a[take], None
    else:
        x, gather = np.zeros(len(srcs)), take
    back = _send(srcs, ~plain[srcs])
    view = sum_w_delta[back[0]] if back is not None and back[1] is None and isinstance(back[0], slice) else None
    return Kernel(slot, w, g, x, gather, np.zeros(len(srcs)),
                  not len(srcs) or (reduce and len(srcs) <= REDUCE_FAN_IN),    # (BLAS refuses empty views)
                  back, _send(srcs, plain[srcs]), view)


def _send(srcs: np.ndarray, chosen: np.ndarray) -> tuple[Where, np.ndarray | None] | None:
    """(where the chosen sources' Σw·δ is, which weights go there: None = all), or None for none."""
    if not chosen.any():
        return None
    if chosen.all():
        return where(srcs), None
    pos = np.flatnonzero(chosen)
    return srcs[pos], pos
