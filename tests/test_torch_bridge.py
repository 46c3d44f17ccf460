"""to_torch / from_torch: same outputs and the same gradients as the object engine.

The independent source is PyTorch autograd: we compute the loss in torch on
the exported module, call .backward(), and compare every parameter's .grad
with the object engine's edge grads and bias grads (summed over the batch in
both, since the graph engine accumulates per sample).
"""
from itertools import pairwise
import numpy as np
import pytest

import neurograph as ng
from dags import skip_dag
from neurograph.io.torch_bridge import loss_fn

torch = pytest.importorskip("torch")

X = np.array([[0.05, 0.10, 0.20], [0.9, -0.3, 0.4], [-1.2, 0.7, 0.0]])
T_REG = np.array([[0.01, 0.99], [0.5, 0.2], [0.9, 0.1]])
T_ONE_HOT = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])


def _graph_grads(net: ng.Network, X, T):
    net.zero_grad()
    loss = net.backward_batch(X, T) * len(X)          # summed, like loss_fn
    return loss, {(e.src.id, e.dst.id): e.grad for e in net.edges}, \
        {n.id: n.bias_grad for n in net.nodes if n.has_bias}


def _torch_loss(module, net, X, T):
    module.zero_grad()
    out = module(torch.tensor(X, dtype=torch.float64))
    loss = loss_fn(net.loss)(out, torch.tensor(T, dtype=torch.float64))
    loss.backward()
    return out, loss


@pytest.mark.parametrize("hidden, out_act, loss, T", [
    ("sigmoid", "sigmoid", "half_squared", T_REG),
    ("tanh", "identity", "squared", T_REG),
    ("relu", "softmax", "cross_entropy", T_ONE_HOT),
    ("sigmoid", "softmax", "half_squared", T_REG),     # softmax with the full Jacobian
])
def test_layered_export_same_outputs_and_grads(hidden, out_act, loss, T):
    net = ng.Network.layered([3, 4, 2], activation=hidden, output_activation=out_act, loss=loss, seed=3)
    for n in net.nodes:
        if n.has_bias:
            n.bias = 0.01 * n.id                          # non-zero biases so their grads matter
    module = net.to_torch()
    assert isinstance(module, torch.nn.Sequential)
    out, t_loss = _torch_loss(module, net, X, T)
    np.testing.assert_allclose(out.detach().numpy(), net.forward(X), rtol=1e-12, atol=1e-14)
    g_loss, edge_grads, bias_grads = _graph_grads(net, X, T)
    assert g_loss == pytest.approx(t_loss.item(), rel=1e-12)
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    for lin, (prev, layer) in zip(linears, pairwise(net.layers), strict=True):
        W_grad = np.array([[edge_grads[(s.id, d.id)] for s in prev] for d in layer])
        np.testing.assert_allclose(lin.weight.grad.numpy(), W_grad, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(lin.bias.grad.numpy(), [bias_grads[d.id] for d in layer],
                                   rtol=1e-10, atol=1e-13)
    # the exported weights are the edges' weights: w_{4,1} is Linear 0's weight[0, 0]
    assert linears[0].weight[0, 0].item() == net.edge(1, 4).weight


def test_dag_export_follows_the_graph():
    net = skip_dag()                                   # skip connections, a tanh input, a bias-free node
    module = net.to_torch()
    assert not isinstance(module, torch.nn.Sequential)
    Xd, Td = np.array([[1.0, 2.0], [-0.5, 0.3]]), np.array([[0.2, 0.1, 0.7], [0.9, -0.4, 0.3]])
    out, t_loss = _torch_loss(module, net, Xd, Td)
    np.testing.assert_allclose(out.detach().numpy(), net.forward(Xd), rtol=1e-12)
    g_loss, edge_grads, bias_grads = _graph_grads(net, Xd, Td)
    assert g_loss == pytest.approx(t_loss.item(), rel=1e-12)
    for n in net.nodes:
        if not n.is_input:
            want = [edge_grads[(e.src.id, n.id)] for e in n.inputs]
            np.testing.assert_allclose(getattr(module, f"w{n.id}").grad.numpy(), want, rtol=1e-10, atol=1e-13)
        if n.has_bias:
            assert getattr(module, f"b{n.id}").grad.item() == pytest.approx(bias_grads[n.id], rel=1e-10, abs=1e-13)
    assert not hasattr(module, "b5")                  # node 5 was built without a bias


def test_from_torch_round_trip_keeps_every_number():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                              torch.nn.ReLU(), torch.nn.Linear(4, 2, bias=False), torch.nn.Softmax(dim=-1))
    net = ng.Network.from_torch(mlp, loss="cross_entropy")
    assert [len(layer) for layer in net.layers] == [3, 5, 4, 2]
    assert [n.activation for n in net.outputs] == ["softmax", "softmax"]
    assert net.node(13).bias is None and net.node(12).bias is not None
    assert net.edge(2, 4).weight == mlp[0].weight[0, 1].item()     # w_{4,2}
    with torch.no_grad():
        expected = mlp.double()(torch.tensor(X)).numpy()
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-12)
    back = net.to_torch()
    for a, b in zip(back.parameters(), mlp.parameters(), strict=True):
        assert torch.equal(a, b)


def test_from_torch_refuses_what_it_cannot_express():
    nn = torch.nn
    with pytest.raises(ValueError, match=r"module \[1\] \(Dropout\)"):
        ng.Network.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Dropout()))
    with pytest.raises(ValueError, match="dim=0"):
        ng.Network.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)))
    with pytest.raises(ValueError, match="Linear #1 takes 3 inputs"):
        ng.Network.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Linear(3, 1)))
    with pytest.raises(TypeError, match="nn.Sequential"):
        ng.Network.from_torch(nn.Conv1d(1, 1, 3))
    with pytest.raises(ValueError, match="unknown loss"):
        ng.Network.from_torch(nn.Linear(2, 1), loss="hinge")


def test_missing_torch_gives_install_hint(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match=r"pip install 'neurograph\[torch\]'"):
        ng.Network.layered([2, 1], seed=0).to_torch()
