"""``train(net, …, engine="torch", device=…)``: the same SGD, run by PyTorch.

For networks that no longer fit the per-neuron view, or to use a GPU.
``to_torch(net)`` gives the module (``nn.Sequential`` for a layered network,
``GraphModule`` for any other DAG); every minibatch of m samples then does

    C = (1/m)·Σ_x C_x                                 (the network's loss, per sample summed over outputs)
    w ← w − η·(∂C/∂w + λ·w)                           (weights; λ = weight_decay)
    b ← b − η·∂C/∂b                                   (biases: never decayed; biases=False keeps them)

— the matrix engine's rule, with the gradients from autograd.  ``train``
chooses the batches, the schedule and the History exactly as for the other
engines; ``finish`` writes the final weights back onto the network's edges.
On the CPU in float64 the result equals the matrix engine's to about 1e-12
(the order of the sums differs).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from neurograph.engine.graph import Network
from neurograph.engine.validation import lookup
from neurograph.io.torch_bridge import copy_to_network, sample_losses, to_torch, torch_module

class TorchEngine:
    """An engine for ``train``: fit / predict / snapshot / restore / finish on a torch module."""

    name = "torch"

    def __init__(self, net: Network, device: str = "cpu", dtype: str = "float64"):
        torch = torch_module()
        self.torch = torch
        self.net = net
        self.loss, self.n_in, self.n_out = net.loss, net.n_inputs, net.n_outputs
        self.dtype = lookup({"float32": torch.float32, "float64": torch.float64}, dtype, "dtype")
        self.device = self._device(device)
        self.module = to_torch(net, dtype=self.dtype).to(self.device)
        params = list(self.module.named_parameters())
        self.weights = [p for name, p in params if not _is_bias(name)]
        self.biases = [p for name, p in params if _is_bias(name)]
        last = self.module[-1] if isinstance(self.module, torch.nn.Sequential) else None
        self.head = {torch.nn.Softmax: "softmax", torch.nn.Sigmoid: "sigmoid"}.get(type(last))

    def _device(self, device: str) -> Any:
        torch = self.torch
        try:
            dev = torch.device(device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f"device {device!r} is not a torch device such as 'cpu' or 'cuda' ({exc})") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {device!r}: torch.cuda.is_available() is False on this machine; "
                             "use device='cpu'")
        return dev

    def _tensor(self, array: np.ndarray):
        return self.torch.as_tensor(np.asarray(array), dtype=self.dtype, device=self.device)

    def _outputs(self, x):
        """(a, z) of the output layer; z only after a softmax or sigmoid head (for the losses' logits forms)."""
        if self.head is None:
            return self.module(x), None
        z = self.module[:-1](x)
        return self.module[-1](z), z

    def fit(self, X: np.ndarray, T: np.ndarray, lr: float, weight_decay: float,
            biases: bool = True) -> tuple[float, np.ndarray]:
        """One minibatch: mean loss, autograd, then the SGD step above."""
        torch = self.torch
        a, z = self._outputs(self._tensor(X))
        loss = sample_losses(self.loss, a, self._tensor(T), z=z, activation=self.head).mean()   # C = (1/m)·Σ_x C_x
        for p in self.weights + self.biases:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for w in self.weights:
                w.sub_(lr * (w.grad + weight_decay * w))                        # w ← w − η·(∂C/∂w + λ·w)
            if biases:
                for b in self.biases:
                    b.sub_(lr * b.grad)                                         # b ← b − η·∂C/∂b
        return float(loss.item()), a.detach().cpu().double().numpy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            return self.module(self._tensor(X)).cpu().double().numpy()

    def snapshot(self):
        return {k: v.detach().clone() for k, v in self.module.state_dict().items()}

    def restore(self, state) -> None:
        self.module.load_state_dict(state)

    def finish(self) -> Network:
        copy_to_network(self.module, self.net)
        return self.net


def _is_bias(name: str) -> bool:
    """Parameter names of ``to_torch`` modules: ``0.bias`` (Sequential) or ``b7`` (GraphModule) are biases."""
    return name.endswith(".bias") or (name.startswith("b") and name[1:].isdigit())
