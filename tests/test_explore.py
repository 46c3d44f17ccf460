"""The explorer page in a real browser: Debian's chromium driven by Playwright.

Every number the page computes (z, a, δ, ∂C/∂w, ∂C/∂b, C) is compared with the Python engine
run on the same network and sample, after edits and SGD steps too; the panel's equations are
compared with ``neurograph.explain``'s text.  Nothing is downloaded: Playwright is pointed at
the system browser, and the page must make no request at all.
"""
from __future__ import annotations

import io
import math
import shutil

import numpy as np
import pytest
from hypothesis import given, settings

import neurograph as ng
import visualize
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from dags import dag_cases

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]' for Playwright")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium: apt-get install chromium")


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def open_page(browser, tmp_path):
    """open_page(explorer) → a Playwright page showing it from a file:// URL, with the
    page's errors and every request it made recorded."""
    pages = []

    def _open(explorer):
        path = explorer.save(tmp_path / f"page{len(pages)}.html")
        page = browser.new_page()
        page.errors, page.requests = [], []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto(path.as_uri())
        pages.append(page)
        return page

    yield _open
    for page in pages:
        assert page.errors == []
        page.close()


def python_state(net: ng.Network, x, t) -> dict:
    """The numbers the Python engine computes for (x, t), keyed like the page's state()."""
    work = net.copy()
    work.forward(x)
    loss = work.backward(t)
    nodes = {str(n.id): {"z": n.z, "a": n.a, "delta": n.delta, "bias": n.bias, "bias_grad": n.bias_grad}
             for n in work.nodes}
    edges = {f"{e.src.id}->{e.dst.id}": {"weight": e.weight, "grad": e.grad} for e in work.edges}
    return {"nodes": nodes, "edges": edges, "loss": loss}


def assert_same(page_state: dict, expected: dict, tol: float = 1e-12) -> None:
    def close(got, want, what):
        if want is None:
            assert got is None, what
        else:
            assert got is not None and math.isclose(got, want, rel_tol=tol, abs_tol=tol), (what, got, want)

    close(page_state["loss"], expected["loss"], "loss")
    assert set(page_state["nodes"]) == set(expected["nodes"])
    assert set(page_state["edges"]) == set(expected["edges"])
    for nid, want in expected["nodes"].items():
        for field, value in want.items():
            close(page_state["nodes"][nid][field], value, f"node {nid} {field}")
    for key, want in expected["edges"].items():
        for field, value in want.items():
            close(page_state["edges"][key][field], value, f"edge {key} {field}")


def layered(sizes, activation, output_activation, loss, seed=0):
    return ng.Network.layered(sizes, activation=activation, output_activation=output_activation,
                              loss=loss, seed=seed)


NETS = [
    ("sigmoid, ½Σ(a − t)²", lambda: worked_example(), WORKED_X, WORKED_T),
    ("tanh → identity, Σ(a − t)²", lambda: layered([3, 4, 2], "tanh", "identity", "squared"),
     [0.3, -1.2, 0.8], [0.5, -0.25]),
    ("relu → softmax, cross-entropy", lambda: layered([3, 5, 3], "relu", "softmax", "cross_entropy", 1),
     [0.9, -0.4, 1.3], [0.2, 0.7, 0.1]),
    ("sigmoid → softmax, ½Σ(a − t)² (Jacobian)", lambda: layered([2, 3, 3], "sigmoid", "softmax", "half_squared", 2),
     [1.0, -2.0], [0.0, 1.0, 0.0]),
    ("softmax hidden group", lambda: layered([2, 3, 2], "softmax", "sigmoid", "half_squared", 3),
     [0.4, 0.6], [0.1, 0.9]),
]
if "binary_cross_entropy" in ng.LOSSES:
    NETS.append(("tanh → sigmoid, binary cross-entropy",
                 lambda: layered([2, 3, 1], "tanh", "sigmoid", "binary_cross_entropy", 4), [0.5, -1.5], [1.0]))


@pytest.mark.parametrize("name,build,x,t", NETS, ids=[n[0] for n in NETS])
def test_state_equals_the_python_engine(open_page, name, build, x, t):
    net = build()
    page = open_page(visualize.explore(net, x, t))
    assert_same(page.evaluate("window.neurograph.state()"), python_state(net, x, t))
    assert page.requests == [page.url]          # the page itself, nothing else


@settings(max_examples=12)
@given(case=dag_cases(max_layers=3, max_width=3, max_rows=1))
def test_state_equals_python_on_random_dags(browser, tmp_path_factory, case):
    """Skip connections, mixed activations, softmax groups, inputs with tanh/sigmoid and biases."""
    net, X, T = case
    try:
        python_state(net, X[0], T[0])
    except ValueError:                          # a combination the engine refuses (e.g. a loss rule)
        return
    path = visualize.explore(net, X[0], T[0]).save(tmp_path_factory.mktemp("dag") / "page.html")
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        assert_same(page.evaluate("window.neurograph.state()"), python_state(net, X[0], T[0]))
    finally:
        page.close()


def test_hover_shows_explains_equations_for_every_node_and_edge(open_page):
    net = worked_example()
    page = open_page(visualize.explore(net, WORKED_X, WORKED_T))
    work = net.copy()
    work.forward(WORKED_X)
    work.backward(WORKED_T)
    for n in net.nodes:
        page.hover(f'[data-node="{n.id}"]')
        assert page.inner_text(".ng-equations") == ng.explain(work, n.id, t=WORKED_T)
        facts = page.inner_text(".ng-facts")
        assert f"a = {work.node(n.id).a!r}" in facts and f"δ = ∂C/∂z = {work.node(n.id).delta!r}" in facts
    for e in net.edges:
        page.dispatch_event(f'[data-edge="{e.src.id}->{e.dst.id}"]', "click")
        assert page.inner_text(".ng-equations") == ng.explain(work, (e.src.id, e.dst.id), t=WORKED_T)


def test_edits_recompute_everything_like_python(open_page):
    net = worked_example()
    page = open_page(visualize.explore(net, WORKED_X, WORKED_T))
    page.evaluate("window.neurograph.setWeight(1, 4, 0.3)")
    page.evaluate("window.neurograph.setBias(8, -0.7)")
    page.evaluate("window.neurograph.setInput(2, 0.7)")
    page.evaluate("window.neurograph.setTarget(9, 0.5)")
    edited = net.copy()
    edited.edge(1, 4).weight = 0.3
    edited.node(8).bias = -0.7
    assert_same(page.evaluate("window.neurograph.state()"), python_state(edited, [0.05, 0.7, 0.2], [0.01, 0.5]))
    assert net.edge(1, 4).weight == -0.48      # the page works on a copy of the numbers
    page.evaluate("window.neurograph.reset()")
    assert_same(page.evaluate("window.neurograph.state()"), python_state(net, WORKED_X, WORKED_T))


def test_typing_into_the_panel_edits_the_network(open_page):
    net = worked_example()
    page = open_page(visualize.explore(net, WORKED_X, WORKED_T))
    page.click('[data-node="5"]')
    page.fill(".ng-edit input[type=number]", "1.25")
    page.press(".ng-edit input[type=number]", "Enter")
    edited = net.copy()
    edited.node(5).bias = 1.25
    assert_same(page.evaluate("window.neurograph.state()"), python_state(edited, WORKED_X, WORKED_T))
    before = page.get_attribute('[data-node="5"] ellipse', "fill")
    assert before != visualize.style.UNKNOWN_FILL          # recoloured by the new a_5


@pytest.mark.parametrize("lr", [0.5, 3.0])
def test_sgd_steps_equal_net_step(open_page, lr):
    net = worked_example()
    page = open_page(visualize.explore(net, WORKED_X, WORKED_T))
    python = net.copy()
    for _ in range(3):
        page.evaluate(f"window.neurograph.step({lr})")
        python.zero_grad()
        python.forward(WORKED_X)
        python.backward(WORKED_T)
        python.step(lr)
    assert_same(page.evaluate("window.neurograph.state()"), python_state(python, WORKED_X, WORKED_T))
    page.click(".ng-reset")
    assert_same(page.evaluate("window.neurograph.state()"), python_state(net, WORKED_X, WORKED_T))


def test_phases_walk_forward_then_backward(open_page):
    net = worked_example()                     # layers 0, 1, 2: 5 frames
    page = open_page(visualize.explore(net, WORKED_X, WORKED_T))
    nothing = page.evaluate("window.neurograph.phase(0)")
    assert nothing["loss"] is None and all(v["a"] is None for v in nothing["nodes"].values())
    known = []
    for k in range(1, 6):
        st = page.evaluate(f"window.neurograph.phase({k})")
        known.append(([nid for nid, v in st["nodes"].items() if v["a"] is not None],
                      [nid for nid, v in st["nodes"].items() if v["delta"] is not None]))
    inputs, hidden, outputs = ["1", "2", "3"], ["4", "5", "6", "7"], ["8", "9"]
    assert known == [(inputs, []), (inputs + hidden, []), (inputs + hidden + outputs, []),
                     (inputs + hidden + outputs, outputs), (inputs + hidden + outputs, hidden + outputs)]
    page.click(".ng-prev")
    assert "step 4/5 · backward" in page.inner_text(".ng-phase")
    with pytest.raises(playwright_api.Error, match="phase must be"):
        page.evaluate("window.neurograph.phase(6)")


def test_bad_edits_are_refused_and_change_nothing(open_page):
    page = open_page(visualize.explore(worked_example(), WORKED_X, WORKED_T))
    before = page.evaluate("window.neurograph.state()")
    for call, message in [("setWeight(4, 1, 0.3)", "no edge 4 → 1"), ("setBias(1, 0.3)", "node 1 has no bias"),
                          ("setWeight(1, 4, NaN)", "must be a finite number"), ("setInput(4, 1)", "not an input"),
                          ("setTarget(3, 1)", "not an output"), ("step(Infinity)", "learning rate")]:
        with pytest.raises(playwright_api.Error, match=message):
            page.evaluate(f"window.neurograph.{call}")
    assert page.evaluate("window.neurograph.state()") == before


def test_collapsed_layers_work_as_in_the_pictures(open_page):
    net = layered([20, 5, 3], "tanh", "softmax", "cross_entropy", 5)
    rng = np.random.default_rng(0)
    x, t = rng.uniform(size=20), [0.0, 1.0, 0.0]
    page = open_page(visualize.explore(net, x, t, max_per_layer=6))
    drawn = page.eval_on_selector_all("[data-node]", "els => els.map(e => e.dataset.node)")
    assert len(drawn) < 28 and "1" in drawn and "20" in drawn and "10" not in drawn
    assert_same(page.evaluate("window.neurograph.state()"), python_state(net, x, t))
    page.evaluate("window.neurograph.setInput(10, 2.5)")        # a hidden input is still editable
    x2 = x.copy()
    x2[9] = 2.5
    assert_same(page.evaluate("window.neurograph.state()"), python_state(net, x2, t))


def test_without_a_target_only_the_forward_pass_is_known(open_page):
    net = worked_example()
    page = open_page(visualize.explore(net, WORKED_X))
    st = page.evaluate("window.neurograph.state()")
    assert st["loss"] is None and st["nodes"]["8"]["delta"] is None
    assert st["nodes"]["8"]["a"] == pytest.approx(python_state(net, WORKED_X, WORKED_T)["nodes"]["8"]["a"], abs=1e-15)
    page.hover('[data-node="8"]')
    assert "δ_8 not computed yet" in page.inner_text(".ng-equations")
    page.evaluate("window.neurograph.setTarget(8, 0.01); window.neurograph.setTarget(9, 0.99)")
    assert_same(page.evaluate("window.neurograph.state()"), python_state(net, WORKED_X, WORKED_T))


def test_buttons_and_panels_are_accessible(open_page):
    page = open_page(visualize.explore(worked_example(), WORKED_X, WORKED_T))
    names = page.eval_on_selector_all("button", "els => els.map(e => e.textContent)")
    assert {"next step ▶", "◀ previous step", "SGD step", "reset"} <= set(names)
    assert page.get_attribute(".ng-panel", "aria-label")
    page.focus('[data-node="6"]')                           # keyboard users reach every neuron
    assert page.inner_text(".ng-panel-title") == "node 6"


def test_screenshot_is_not_blank(open_page):
    from PIL import Image

    page = open_page(visualize.explore(worked_example(), WORKED_X, WORKED_T))
    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    pixels = np.asarray(image).reshape(-1, 3)
    assert image.width >= 800 and image.height >= 400
    assert (pixels.min(axis=1) < 200).mean() > 0.02             # drawn ink, not an empty page
    assert len(np.unique(pixels[::7], axis=0)) > 50             # the colour scales, not one flat colour


def test_python_side_refuses_bad_arguments(tmp_path):
    net = worked_example()
    with pytest.raises(ValueError, match="target t needs an input x"):
        visualize.explore(net, t=WORKED_T)
    with pytest.raises(ValueError, match="input x"):
        visualize.explore(net, [1.0, 2.0])
    with pytest.raises(TypeError, match="expected a neurograph Network"):
        visualize.explore("net.json")
    with pytest.raises(ValueError, match=r"\.html"):
        visualize.explore(net).save(tmp_path / "page.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        visualize.explore(net).save(tmp_path / "missing" / "page.html")


def test_widget_front_end_sends_edits_that_python_applies(browser):
    """The widget's ESM in the browser with a stand-in for anywidget's model: an edit in the
    cell sends the numbers, and Explorer.apply writes them onto the Network."""
    from visualize import explorer as module

    if not module.WIDGET:
        pytest.skip("pip install '.[notebook]' for the widget")
    net = worked_example()
    explorer = visualize.Explorer(net, WORKED_X, WORKED_T)
    page = browser.new_page()
    try:
        page.set_content('<div id="cell"></div>')
        sent = page.evaluate("""async ([esm, data, body]) => {
            const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
            const module = await import(url);
            const sent = [];
            const model = {get: (k) => ({data, body})[k], send: (m) => sent.push(m)};
            const el = document.getElementById("cell");
            module.default.render({model, el});
            el.neurograph.setWeight(1, 4, 0.3);
            el.neurograph.step(0.5);
            return sent[sent.length - 1];
        }""", [explorer._esm, explorer.data, explorer.body])
    finally:
        page.close()
    explorer.apply(sent)
    python = worked_example()
    python.edge(1, 4).weight = 0.3
    python.forward(WORKED_X)
    python.backward(WORKED_T)
    python.step(0.5)
    for e in python.edges:
        assert net.edge(e.src.id, e.dst.id).weight == pytest.approx(e.weight, rel=1e-12, abs=1e-15)
    for n in python.nodes:
        if n.bias is not None:
            assert net.node(n.id).bias == pytest.approx(n.bias, rel=1e-12, abs=1e-15)


def test_cli_writes_the_page(open_page, tmp_path, capsys):
    from neurograph.commands.cli import main

    net = worked_example()
    net.save(tmp_path / "model.json")
    out = tmp_path / "page.html"
    assert main(["explore", str(tmp_path / "model.json"), "--input", "0.05,0.1,0.2", "--target", "0.01,0.99",
                 "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    page = open_page(visualize.explore(net, WORKED_X, WORKED_T))
    expected = page.evaluate("window.neurograph.state()")
    page.goto(out.as_uri())
    assert page.evaluate("window.neurograph.state()") == expected
    assert main(["explore", str(tmp_path / "model.json"), "--target", "0.01,0.99"]) == 2
    assert "--target needs --input" in capsys.readouterr().err
    assert main(["explore", str(tmp_path / "model.json"), "--input", "1,2", "-o", str(out)]) == 2
    assert "input x" in capsys.readouterr().err
