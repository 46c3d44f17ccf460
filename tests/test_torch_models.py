"""More of PyTorch: the modules from_torch now takes, the logits hint, the DAG round trip,
and train(engine="torch") against the matrix engine (the independent source)."""
import numpy as np
import pytest

import neurograph as ng
from neurograph.io.torch_bridge import copy_to_network

torch = pytest.importorskip("torch", reason="needs torch: pip install 'neurograph[torch]' (or make test-torch)")
nn = torch.nn

RNG = np.random.default_rng(14)
X = RNG.normal(size=(23, 3))
LABELS = RNG.integers(0, 2, size=23)


def _torch_out(module, x):
    with torch.no_grad():
        return module(torch.tensor(x, dtype=torch.float64)).numpy()


def test_dropout_flatten_identity_and_leaky_relu_0_are_taken():
    torch.manual_seed(1)
    module = nn.Sequential(nn.Flatten(), nn.Linear(3, 5), nn.LeakyReLU(0.0), nn.Dropout(0.3), nn.Linear(5, 4),
                           nn.Identity(), nn.Tanh(), nn.Dropout(0.5), nn.Linear(4, 2)).double().eval()
    net = ng.Network.from_torch(module)
    assert [len(layer) for layer in net.layers] == [3, 5, 4, 2]
    assert [net.layers[k][0].activation for k in (1, 2, 3)] == ["relu", "tanh", "identity"]
    np.testing.assert_allclose(net.forward(X), _torch_out(module, X), rtol=0, atol=1e-14)


@pytest.mark.parametrize("module, message", [
    (nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.2)),
     r"module \[1\] \(Dropout\) is in training mode: call module.eval"),
    (nn.Sequential(nn.Linear(3, 2), nn.LeakyReLU(0.01)),
     r"module \[1\] \(LeakyReLU\): only LeakyReLU\(negative_slope=0"),
    (nn.Sequential(nn.Flatten(0), nn.Linear(3, 2)), r"module \[0\] \(Flatten\): only Flatten\(start_dim=1"),
    (nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Tanh()), r"module \[2\] \(Tanh\) does not follow a Linear"),
    (nn.Sequential(nn.Linear(3, 2), nn.GELU()), r"module \[1\] \(GELU\) is not supported here"),
])
def test_what_from_torch_still_refuses_is_named(module, message):
    with pytest.raises(ValueError, match=message):
        ng.Network.from_torch(module)


def test_logits_model_with_cross_entropy_gets_the_hint():
    logits = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 3)).double()
    with pytest.raises(ValueError, match=r"ends in logits .* add nn.Softmax\(dim=-1\) at the end, or pass "
                                         r"output_activation='softmax'"):
        ng.Network.from_torch(logits, loss="cross_entropy")
    with pytest.raises(ValueError, match=r"add nn.Sigmoid\(\) at the end, or pass output_activation='sigmoid'"):
        ng.Network.from_torch(nn.Sequential(nn.Linear(3, 1)), loss="binary_cross_entropy")
    net = ng.Network.from_torch(logits, loss="cross_entropy", output_activation="softmax")
    assert [n.activation for n in net.outputs] == ["softmax"] * 3
    np.testing.assert_allclose(net.forward(X), torch.softmax(torch.tensor(_torch_out(logits, X)), -1).numpy(),
                               rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="already followed by relu"):
        ng.Network.from_torch(nn.Sequential(nn.Linear(3, 2), nn.ReLU()), output_activation="softmax")


def _skip_dag(loss="squared") -> ng.Network:
    """1 plain, 2 = tanh(x + 0.3) → 3 relu → 4 sigmoid, 5 identity (no bias); skips 1 → 4, 2 → 5."""
    g = ng.Network(loss=loss)
    g.add_input(1)
    g.add_input(2, activation="tanh", bias=0.3)
    g.add_neuron(3, activation="relu", bias=0.1)
    g.add_neuron(4, activation="sigmoid", bias=-0.2)
    g.add_neuron(5, activation="identity", bias=None)
    g.connect_many([(1, 3, 0.5), (2, 3, -0.4), (1, 4, 0.7), (3, 4, 1.1), (2, 5, 0.25), (3, 5, -0.6)])
    return g


def _numbers(net):
    return ([(n.id, n.activation, n.is_input, n.bias) for n in net.nodes],
            [(e.src.id, e.dst.id, e.weight) for e in net.edges], net.loss)


def test_dag_round_trip_through_torch_and_its_repr():
    net = _skip_dag()
    module = net.to_torch()
    text = repr(module)
    assert "loss=squared, inputs=[1, 2], outputs=[4, 5]" in text
    assert "layer 0: 1 identity; 2 tanh +b" in text
    assert "layer 1: 3 relu +b ← 1, 2" in text
    assert "layer 2: 4 sigmoid +b ← 1, 3; 5 identity ← 2, 3" in text
    back = ng.Network.from_torch(module)
    assert _numbers(back) == _numbers(net)
    Xd = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(back.forward(Xd), _torch_out(module, Xd), rtol=0, atol=1e-15)
    with torch.no_grad():
        module.w4[1] += 1.0                           # w_{4,3}: the edge 3 → 4
        module.b2.fill_(-0.7)
    assert ng.Network.from_torch(module).edge(3, 4).weight == 1.1 + 1.0
    copy_to_network(module, net)
    assert net.edge(3, 4).weight == 1.1 + 1.0 and net.node(2).bias == -0.7
    with pytest.raises(ValueError, match="a GraphModule keeps its own activations"):
        ng.Network.from_torch(module, output_activation="softmax")


# -- train(engine="torch") --------------------------------------------------------------------------------
def _train_pair(make, y, **kw):
    a, b = make(), make()
    ha = ng.train(a, X, y, engine="matrix", progress=False, **kw)
    hb = ng.train(b, X, y, engine="torch", device="cpu", dtype="float64", progress=False, **kw)
    return a, b, ha, hb


def _assert_same(a, b, ha, hb):
    np.testing.assert_allclose([e.weight for e in b.edges], [e.weight for e in a.edges], rtol=0, atol=1e-9)
    np.testing.assert_allclose([n.bias or 0.0 for n in b.nodes], [n.bias or 0.0 for n in a.nodes], rtol=0, atol=1e-9)
    assert hb.engine == "torch" and len(hb) == len(ha) and hb.network is b
    for ra, rb in zip(ha.records, hb.records, strict=True):
        assert (ra.epoch, ra.lr) == (rb.epoch, rb.lr)
        assert rb.train_loss == pytest.approx(ra.train_loss, abs=1e-9)
        assert rb.valid_loss == pytest.approx(ra.valid_loss, abs=1e-9)
        assert rb.valid_accuracy == ra.valid_accuracy


@pytest.mark.parametrize("hidden, out, loss", [("tanh", "softmax", "cross_entropy"),
                                               ("sigmoid", "sigmoid", "half_squared"),
                                               ("relu", "sigmoid", "binary_cross_entropy")])
def test_torch_engine_equals_the_matrix_engine(hidden, out, loss):
    n_out = 1 if loss == "binary_cross_entropy" else 2
    def make():
        return ng.Network.layered([3, 6, 4, n_out], activation=hidden, output_activation=out, loss=loss, seed=7)
    runs = _train_pair(make, LABELS, epochs=4, lr={0: 0.5, 2: 0.2}, batch_size=5, weight_decay=1e-3,
                       valid=(X, LABELS), seed=3)
    _assert_same(*runs)
    untrained = make()
    assert max(abs(e.weight - t.weight) for e, t in zip(untrained.edges, runs[1].edges, strict=True)) > 1e-3


def test_torch_engine_trains_dags_and_keeps_biases_when_asked():
    a, b = _skip_dag("half_squared"), _skip_dag("half_squared")
    X2, T2 = X[:, :2], np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(float)
    ha = ng.train(a, X2, T2, engine="matrix", epochs=3, lr=0.3, batch_size=4, weight_decay=1e-2, biases=False,
                  progress=False)
    hb = ng.train(b, X2, T2, engine="torch", epochs=3, lr=0.3, batch_size=4, weight_decay=1e-2, biases=False,
                  progress=False)
    np.testing.assert_allclose([e.weight for e in b.edges], [e.weight for e in a.edges], rtol=0, atol=1e-9)
    assert [n.bias for n in b.nodes] == [n.bias for n in _skip_dag().nodes]          # biases=False: unchanged
    assert hb[-1].train_loss == pytest.approx(ha[-1].train_loss, abs=1e-9)


def test_torch_engine_restores_the_last_good_epoch_like_the_matrix_engine():
    def make():
        return ng.Network.layered([3, 4, 2], activation="relu", output_activation="identity", seed=2)
    outcomes = []
    for engine in ("matrix", "torch"):
        net = make()
        with pytest.raises(ng.TrainingDiverged) as info:
            ng.train(net, X, LABELS, engine=engine, epochs=3, lr={0: 0.01, 1: 1e6}, progress=False)
        outcomes.append((info.value.history.stopped, [e.weight for e in net.edges]))
    assert outcomes[0][0] == outcomes[1][0]
    np.testing.assert_allclose(outcomes[1][1], outcomes[0][1], rtol=0, atol=1e-12)


def test_torch_engine_float32_is_close_and_bad_options_are_named():
    a, b = ng.Network.layered([3, 4, 2], seed=5), ng.Network.layered([3, 4, 2], seed=5)
    ng.train(a, X, LABELS, engine="matrix", epochs=2, lr=0.5, batch_size=4, progress=False)
    ng.train(b, X, LABELS, engine="torch", dtype="float32", epochs=2, lr=0.5, batch_size=4, progress=False)
    np.testing.assert_allclose([e.weight for e in b.edges], [e.weight for e in a.edges], rtol=0, atol=1e-5)
    net = ng.Network.layered([3, 2], seed=0)
    with pytest.raises(ValueError, match="dtype"):
        ng.train(net, X, LABELS, engine="torch", dtype="float16")
    with pytest.raises(ValueError, match="device 'abacus' is not a torch device"):
        ng.train(net, X, LABELS, engine="torch", device="abacus")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=r"device 'cuda': torch.cuda.is_available\(\) is False"):
            ng.train(net, X, LABELS, engine="torch", device="cuda")


def test_an_onnx_file_exported_by_torch_reads_back(tmp_path):
    onnx = pytest.importorskip("onnx", reason="needs onnx: pip install 'neurograph[onnx]'")
    torch.manual_seed(3)
    module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.2), nn.Linear(4, 2), nn.Softmax(dim=-1)).eval()
    path = tmp_path / "torch.onnx"
    with pytest.warns(DeprecationWarning):                  # the TorchScript exporter needs no onnxscript
        torch.onnx.export(module, (torch.randn(1, 3),), str(path), dynamo=False, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "N"}})
    assert [n.op_type for n in onnx.load(str(path)).graph.node] == ["Gemm", "Tanh", "Gemm", "Softmax"]
    net = ng.Network.from_onnx(path)                        # Gemm with transB=1, float32 weights
    assert net.loss == "cross_entropy" and net.edge(2, 5).weight == module[0].weight[1, 1].item()
    np.testing.assert_allclose(net.forward(X), _torch_out(module.double(), X), rtol=0, atol=1e-15)
