"""examples/tour.ipynb runs headless on a real Jupyter kernel (nbclient) and shows rich outputs."""
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the test extra installs nbformat (pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="the test extra installs nbclient (pip install -e '.[test]')")
pytest.importorskip("ipykernel", reason="the test extra installs ipykernel (pip install -e '.[test]')")

TOUR = Path(__file__).resolve().parent.parent / "examples" / "tour.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(TOUR, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")     # stored without outputs
    folder = tmp_path_factory.mktemp("tour")
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
                            ).execute()
    return nb


def outputs(nb, code_piece: str) -> list:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and code_piece in c.source]
    return cell.outputs


def data(nb, code_piece: str) -> dict:
    (result,) = [o for o in outputs(nb, code_piece) if o.output_type == "execute_result"]
    return result["data"]


def test_tour_shows_svg_markdown_and_html(executed):
    network = data(executed, "net = ng.Network.layered")
    assert "<table>" in network["text/html"] and "<td>3–4</td><td>2</td><td>tanh</td>" in network["text/html"]
    assert network["text/plain"] == "<Network [2, 2, 1] nodes=5 edges=6 loss=half_squared>"
    picture = data(executed, "visualize.draw(")
    assert "<svg" in picture["image/svg+xml"] and "image/png" in picture
    assert "C = " in picture["image/svg+xml"]
    equations = data(executed, "ng.explain(net, 3)")
    assert equations["text/markdown"].startswith("### Node 3 (hidden, layer 1, tanh)")
    assert "$z_{3} = " in equations["text/markdown"] and r"\[ z_{3} =" in equations["text/latex"]
    assert "\\n" not in equations["text/plain"] and "z_3 = w_{3,1}·a_1" in equations["text/plain"]
    history = data(executed, "history = ng.train(")
    assert "<td>300</td>" in history["text/html"] and 'src="data:image/png;base64,' in history["text/html"]
    assert len(history["text/plain"]) < 300
    report = data(executed, "report = ng.crosscheck(")
    assert "crosscheck OK" in report["text/html"] and len(report["text/plain"]) < 300
    (printed,) = outputs(executed, "print(f\"test accuracy")
    assert printed["text"].startswith("test accuracy 1.00")


def test_tour_prints_no_warnings_and_one_progress_bar(executed):
    streams = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert [o["name"] for o in streams] == ["stdout"]               # the one print; no stderr, no tqdm warning
    bars = [o for o in outputs(executed, "history = ng.train(") if o.output_type == "display_data"]
    assert len(bars) <= 1                                           # one widget for all 300 epochs (with ipywidgets)
    assert all("application/vnd.jupyter.widget-view+json" in o["data"] for o in bars)
