"""from_onnx / to_onnx against onnxruntime (the independent source), and the CLI on .onnx files."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurograph as ng
from dags import Swish, skip_dag
from neurograph.commands.cli import main
from neurograph.io.dense import DenseLayer, dense_network
from tests.dags import dag_cases

onnx = pytest.importorskip("onnx", reason="needs onnx: pip install 'neurograph[onnx]'")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install 'neurograph[onnx]'")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

RNG = np.random.default_rng(180)
X = RNG.normal(size=(12, 3))
needs_bce = pytest.mark.skipif("binary_cross_entropy" not in ng.LOSSES,
                               reason="binary_cross_entropy is not in neurograph yet")


def run_ort(model, x, name=None):
    """onnxruntime's outputs for the model's single data input, as a {output name: value} dict."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x}
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feed), strict=True))


# -- skl2onnx models ---------------------------------------------------------------------------------------
sk = pytest.importorskip("sklearn.neural_network", reason="needs scikit-learn")


def _sklearn_onnx(model, y, zipmap=True):
    skl2onnx = pytest.importorskip("skl2onnx", reason="needs skl2onnx: pip install skl2onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    options = None if zipmap or isinstance(model, sk.MLPRegressor) else {id(model): {"zipmap": False}}
    return skl2onnx.to_onnx(model, X[:1].astype(np.float32), options=options, target_opset=17)


def _initializers(proto):
    return {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}


def _assert_same_weights(net, proto):
    """Every float32 weight and bias of the ONNX file is on the network as the same number in float64."""
    arrays = _initializers(proto)
    weights = [a for name, a in arrays.items() if name.startswith("coefficient")]     # in the file's order
    for (prev, layer), W in zip(zip(net.layers, net.layers[1:], strict=False), weights, strict=True):
        got = np.array([[net.edge(s.id, d.id).weight for d in layer] for s in prev])
        assert W.dtype == np.float32
        np.testing.assert_array_equal(got, W.astype(np.float64))


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("zipmap", [True, False])
def test_skl2onnx_multiclass_equals_onnxruntime(activation, zipmap):
    model = sk.MLPClassifier(hidden_layer_sizes=(5, 4), activation=activation, max_iter=20, random_state=0)
    proto = _sklearn_onnx(model, np.arange(len(X)) % 3, zipmap)
    net = ng.Network.from_onnx(proto)
    assert [len(layer) for layer in net.layers] == [3, 5, 4, 3] and net.loss == "cross_entropy"
    _assert_same_weights(net, proto)
    x32 = X.astype(np.float32)
    out = run_ort(proto, x32)
    proba = out["output_probability"] if zipmap else out["probabilities"]
    proba = np.array([[row[k] for k in range(3)] for row in proba]) if zipmap else proba
    np.testing.assert_allclose(net.forward(x32.astype(np.float64)), proba, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.forward(X), model.predict_proba(X), rtol=1e-5, atol=1e-6)


@needs_bce
@pytest.mark.parametrize("zipmap", [True, False])
def test_skl2onnx_binary_is_one_sigmoid_output(zipmap):
    model = sk.MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=20, random_state=0)
    proto = _sklearn_onnx(model, (X[:, 0] > 0).astype(int), zipmap)
    net = ng.Network.from_onnx(proto)
    assert net.n_outputs == 1 and net.outputs[0].activation == "sigmoid" and net.loss == "binary_cross_entropy"
    x32 = X.astype(np.float32)
    out = run_ort(proto, x32)
    proba = np.array([[row[0], row[1]] for row in out["output_probability"]]) if zipmap else out["probabilities"]
    np.testing.assert_allclose(net.forward(x32.astype(np.float64))[:, 0], proba[:, 1], rtol=1e-5, atol=1e-6)


def test_skl2onnx_regressor_equals_onnxruntime():
    model = sk.MLPRegressor(hidden_layer_sizes=(4, 3), activation="relu", max_iter=20, random_state=0)
    proto = _sklearn_onnx(model, X @ [1.0, -2.0, 0.5])
    net = ng.Network.from_onnx(proto)
    assert net.loss == "half_squared" and net.outputs[0].activation == "identity"
    _assert_same_weights(net, proto)
    x32 = X.astype(np.float32)
    (only,) = run_ort(proto, x32).values()
    np.testing.assert_allclose(net.forward(x32.astype(np.float64)), only.reshape(-1, 1), rtol=1e-5, atol=1e-5)


def test_labels_are_not_an_output_of_the_network():
    proto = _sklearn_onnx(sk.MLPClassifier(hidden_layer_sizes=(3,), max_iter=5), np.arange(len(X)) % 3)
    with pytest.raises(ValueError, match="'output_label' is the post-processing's labels"):
        ng.Network.from_onnx(proto, output="output_label")
    with pytest.raises(ValueError, match="'nope' is not an output of this graph; its outputs: output_label"):
        ng.Network.from_onnx(proto, output="nope")
    assert ng.Network.from_onnx(proto, output="output_probability").n_outputs == 3


# -- models written by hand with onnx.helper ---------------------------------------------------------------
W1 = RNG.normal(size=(4, 3))          # Gemm transB=1: B is (n_out, n_in)
B1 = RNG.normal(size=4)
W2 = RNG.normal(size=(4, 2))          # MatMul: (n_in, n_out)
B2 = RNG.normal(size=(1, 2))


def _model(nodes, initializers, elem=TensorProto.DOUBLE, outputs=("y",), n_in=3, inputs=("x",)):
    graph = helper.make_graph(
        nodes, "hand", [helper.make_tensor_value_info(i, elem, ["N", n_in]) for i in inputs],
        [helper.make_tensor_value_info(o, elem, None) for o in outputs],
        [numpy_helper.from_array(np.asarray(v, dtype=np.float64 if elem == TensorProto.DOUBLE else np.float32)
                                 if not isinstance(v, np.ndarray) or v.dtype.kind == "f" else v, name=k)
         for k, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _hand(elem=TensorProto.DOUBLE, alpha=0.5, beta=2.0):
    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"], name="flatten", axis=1),
        helper.make_node("Cast", ["flat"], ["xc"], name="cast", to=elem),
        helper.make_node("Gemm", ["xc", "W1", "B1"], ["z1"], name="dense1", transB=1, alpha=alpha, beta=beta),
        helper.make_node("Tanh", ["z1"], ["h1"], name="tanh1"),
        helper.make_node("Identity", ["h1"], ["h1i"], name="same"),
        helper.make_node("MatMul", ["h1i", "W2"], ["m2"], name="matmul2"),
        helper.make_node("Add", ["B2", "m2"], ["z2"], name="bias2"),
        helper.make_node("Reshape", ["z2", "shape"], ["z2r"], name="reshape"),
        helper.make_node("Softmax", ["z2r"], ["y"], name="softmax", axis=-1),
    ]
    return _model(nodes, {"W1": W1, "B1": B1, "W2": W2, "B2": B2, "shape": np.array([-1, 2], dtype=np.int64)},
                  elem, outputs=("y", "h1"))


def test_hand_made_double_model_equals_onnxruntime_to_1e12():
    proto = _hand()
    net = ng.Network.from_onnx(proto)
    assert [len(layer) for layer in net.layers] == [3, 4, 2]
    assert [n.activation for n in net.layers[1] + net.layers[2]] == ["tanh"] * 4 + ["softmax"] * 2
    # Gemm: W = α·Bᵀ, b = β·C; the edge into node 4 from node 1 is 0.5·W1[0, 0]
    assert net.edge(1, 4).weight == 0.5 * W1[0, 0] and net.node(5).bias == 2.0 * B1[1]
    assert net.edge(7, 9).weight == W2[3, 1] and net.node(9).bias == B2[0, 1]
    np.testing.assert_allclose(net.forward(X), run_ort(proto, X)["y"], rtol=0, atol=1e-12)


def test_float32_weights_become_float64_exactly():
    proto = _hand(TensorProto.FLOAT, alpha=1.0, beta=1.0)
    net = ng.Network.from_onnx(proto)
    assert net.edge(2, 6).weight == float(np.float32(W1[2, 1])) != W1[2, 1]
    assert net.node(8).bias == float(np.float32(B2[0, 0]))
    x32 = X.astype(np.float32)
    np.testing.assert_allclose(net.forward(x32.astype(np.float64)), run_ort(proto, x32)["y"], rtol=1e-6, atol=1e-7)


def test_a_loss_that_does_not_suit_the_outputs_is_refused():
    with pytest.raises(ValueError, match=r"cross_entropy .* not tanh \(output node 4\)"):
        ng.Network.from_onnx(_hand(), output="h1", loss="cross_entropy")
    assert ng.Network.from_onnx(_hand(), output="h1", loss="squared").loss == "squared"


def test_output_picks_an_inner_graph_output():
    proto = _hand()
    net = ng.Network.from_onnx(proto, output="h1")
    assert [len(layer) for layer in net.layers] == [3, 4] and net.loss == "half_squared"
    np.testing.assert_allclose(net.forward(X), run_ort(proto, X)["h1"], rtol=0, atol=1e-12)


def test_a_file_path_works_and_bad_files_are_named(tmp_path):
    path = tmp_path / "hand.onnx"
    onnx.save(_hand(), str(path))
    assert ng.Network.from_onnx(path).n_outputs == 2
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a protobuf at all")
    with pytest.raises(ValueError, match="junk.onnx: not a readable ONNX model"):
        ng.Network.from_onnx(junk)
    with pytest.raises(FileNotFoundError, match="missing.onnx: no such ONNX file"):
        ng.Network.from_onnx(tmp_path / "missing.onnx")
    with pytest.raises(TypeError, match="a path or an onnx.ModelProto, got int"):
        ng.Network.from_onnx(3)


def _one(node, extra=None, n_in=3, **kw):
    inits = {"W": np.ones((n_in, 2)), **(extra or {})}
    return _model([helper.make_node("MatMul", ["x", "W"], ["z"], name="dense"), node], inits, n_in=n_in, **kw)


@pytest.mark.parametrize("proto, message", [
    (_one(helper.make_node("Conv", ["z", "W"], ["y"], name="conv7")),
     r"unsupported op Conv \(node 'conv7'\); supported: Gemm, MatMul, Add, Relu"),
    (_one(helper.make_node("Softmax", ["z"], ["y"], name="sm", axis=0)), r"Softmax node 'sm': only Softmax over"),
    (_one(helper.make_node("Cast", ["z"], ["y"], name="toint", to=TensorProto.INT64)),
     r"Cast node 'toint': only a Cast to float or double"),
    (_one(helper.make_node("Reshape", ["z", "s"], ["y"], name="rs"), {"s": np.array([2, -1], dtype=np.int64)}),
     r"Reshape node 'rs': only a Reshape to \(-1, 2\) is a no-op here, got \[2, -1\]"),
    (_one(helper.make_node("Flatten", ["z"], ["y"], name="fl", axis=0)),
     r"Flatten node 'fl': only Flatten with axis=1"),
    (_one(helper.make_node("Add", ["z", "x"], ["y"], name="skip")),
     r"Add node 'skip' uses 'x', a tensor before the end of the chain"),
    (_model([helper.make_node("Gemm", ["x", "W"], ["y"], name="g", transA=1)], {"W": np.ones((3, 2))}),
     r"Gemm node 'g': transA=1 would transpose the batch"),
    (_model([helper.make_node("MatMul", ["W", "x"], ["y"], name="wx")], {"W": np.ones((2, 3))}),
     r"MatMul node 'wx': the chain must be its first operand"),
    (_model([helper.make_node("Relu", ["x"], ["y"], name="r0")], {}), r"Relu node 'r0': an activation must follow"),
    (_model([helper.make_node("MatMul", ["x", "V"], ["y"], name="mm")], {}, inputs=("x", "V")),
     r"one data input, this one has 2: x, V"),
    (_model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], {"W": np.ones((4, 2))}),
     r"MatMul node 'mm': W has shape \(4, 2\) but the chain carries 3 features"),
])
def test_every_unsupported_construct_is_named(proto, message):
    with pytest.raises(ValueError, match=message):
        ng.Network.from_onnx(proto)


# -- to_onnx -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden, out, loss", [("sigmoid", "sigmoid", "half_squared"),
                                               ("relu", "softmax", "cross_entropy"), ("tanh", "identity", "squared")])
def test_to_onnx_layered_equals_forward(tmp_path, hidden, out, loss):
    net = ng.Network.layered([3, 5, 4, 2], activation=hidden, output_activation=out, loss=loss, seed=5)
    for n in net.nodes:
        if n.has_bias:
            n.bias = 0.1 * n.id - 0.5
    proto = net.to_onnx(tmp_path / "net.onnx", dtype="float64")
    assert [n.op_type for n in proto.graph.node][:2] == ["Gemm", ACT_OPS[hidden]]
    loaded = onnx.load(str(tmp_path / "net.onnx"))
    np.testing.assert_allclose(run_ort(loaded, X)["y"], net.forward(X), rtol=0, atol=1e-13)
    back = ng.Network.from_onnx(tmp_path / "net.onnx")                       # float64: exactly the same weights
    assert [(e.src.id, e.dst.id, e.weight) for e in back.edges] == [(e.src.id, e.dst.id, e.weight) for e in net.edges]
    assert [n.bias for n in back.nodes] == [n.bias for n in net.nodes]
    proto32 = net.to_onnx(tmp_path / "net32.onnx")
    np.testing.assert_allclose(run_ort(proto32, X.astype(np.float32))["y"], net.forward(X), rtol=1e-5, atol=1e-6)


ACT_OPS = {"sigmoid": "Sigmoid", "relu": "Relu", "tanh": "Tanh"}


def test_to_onnx_dag_with_skip_connections_equals_forward():
    net = skip_dag()
    Xd = RNG.normal(size=(6, 2))
    for dtype, tol in (("float64", 1e-13), ("float32", 1e-6)):
        proto = net.to_onnx(None, dtype=dtype)
        np.testing.assert_allclose(run_ort(proto, Xd.astype(dtype))["y"], net.forward(Xd), rtol=0, atol=tol)


@given(dag_cases())
def test_to_onnx_of_random_dags_equals_forward(case):
    net, Xc, _ = case
    np.testing.assert_allclose(run_ort(net.to_onnx(None, dtype="float64"), Xc)["y"], net.forward(Xc),
                               rtol=1e-12, atol=1e-12)


def test_to_onnx_refuses_bad_dtype_and_writes_atomically(tmp_path):
    net = ng.Network.layered([2, 2], seed=0)
    with pytest.raises(ValueError, match="dtype"):
        net.to_onnx(tmp_path / "a.onnx", dtype="float16")
    assert not list(tmp_path.iterdir())
    with pytest.raises(FileNotFoundError):
        net.to_onnx(tmp_path / "no" / "dir" / "a.onnx")
    assert not list(tmp_path.iterdir())


# -- the commands on .onnx files ---------------------------------------------------------------------------
def test_draw_explain_check_read_onnx(tmp_path, capsys):
    path = tmp_path / "hand.onnx"
    onnx.save(_hand(), str(path))
    assert main(["draw", str(path), "-o", str(tmp_path / "net.dot")]) == 0
    assert "8" in (tmp_path / "net.dot").read_text()
    assert main(["explain", str(path), "--node", "8"]) == 0
    assert "softmax" in capsys.readouterr().out
    assert main(["check", str(path), "--no-torch"]) == 0
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00garbage")
    assert main(["check", str(junk)]) == 2
    assert "junk.onnx: not a readable ONNX model" in capsys.readouterr().err


def test_to_onnx_names_an_activation_it_cannot_write():
    net = ng.Network(loss="half_squared")
    net.add_input(1)
    net.add_neuron(2, activation=Swish())
    net.connect(1, 2, 0.5)
    with pytest.raises(ValueError, match="node 2 has the activation 'swish', which has no ONNX op here; supported: "
                                         "sigmoid, tanh, relu, softmax, identity"):
        net.to_onnx(None)


def _without(monkeypatch, package):
    import builtins

    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == package or name.startswith(package + "."):
            raise ImportError(f"No module named '{package}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)


def test_missing_onnx_gives_the_install_hint(tmp_path, monkeypatch, capsys):
    path = tmp_path / "hand.onnx"
    onnx.save(_hand(), str(path))
    _without(monkeypatch, "onnx")
    with pytest.raises(ImportError, match=r"pip install 'neurograph\[onnx\]'"):
        ng.Network.from_onnx(path)
    with pytest.raises(ImportError, match=r"pip install 'neurograph\[onnx\]'"):
        ng.Network.layered([2, 1]).to_onnx(tmp_path / "out.onnx")
    assert main(["draw", str(path), "-o", str(tmp_path / "net.dot")]) == 2
    assert "pip install 'neurograph[onnx]'" in capsys.readouterr().err


def test_missing_sklearn_gives_the_install_hint(monkeypatch):
    _without(monkeypatch, "sklearn")
    with pytest.raises(ImportError, match=r"pip install 'neurograph\[sklearn\]'"):
        ng.Network.from_sklearn(object())
    with pytest.raises(ImportError, match=r"pip install 'neurograph\[sklearn\]'"):
        ng.Network.layered([2, 1]).to_sklearn()


@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(["sigmoid", "tanh", "relu", "identity"]),
                          st.booleans()), min_size=1, max_size=3), st.integers(1, 4), st.integers(0, 2**16))
def test_layered_nets_come_back_from_onnx_with_the_same_numbers(layers, n_in, seed):
    rng = np.random.default_rng(seed)
    dense, width = [], n_in
    for n_out, act, bias in layers:
        dense.append(DenseLayer(rng.normal(size=(width, n_out)), rng.normal(size=n_out) if bias else None, act))
        width = n_out
    net = dense_network(dense)
    back = ng.Network.from_onnx(net.to_onnx(None, dtype="float64"))
    assert [(n.id, n.activation, n.bias) for n in back.nodes] == [(n.id, n.activation, n.bias) for n in net.nodes]
    assert [(e.src.id, e.dst.id, e.weight) for e in back.edges] == [(e.src.id, e.dst.id, e.weight) for e in net.edges]
