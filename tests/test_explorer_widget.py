"""The explorer as a notebook widget, in a real Jupyter kernel (nbclient): it shows its
view, falls back to the static page in plain HTML, and an edit sent from the front end
is written back to the Python Network."""
from __future__ import annotations

import html
import json

import pytest

nbformat = pytest.importorskip("nbformat", reason="pip install '.[test]' for nbformat/nbclient")
nbclient = pytest.importorskip("nbclient", reason="pip install '.[test]' for nbformat/nbclient")
pytest.importorskip("anywidget", reason="pip install '.[notebook]' for the widget")
pytest.importorskip("ipykernel", reason="pip install '.[test]' for a Jupyter kernel")

SETUP = """\
import visualize
from neurograph.engine.builders import worked_example, WORKED_X, WORKED_T
net = worked_example()
explorer = visualize.Explorer(net, WORKED_X, WORKED_T)
explorer"""

# what the page's script sends after an edit: every weight and bias, the sample
EDIT = """\
import json
params = {"weights": {f"{e.src.id}->{e.dst.id}": e.weight for e in net.edges},
          "biases": {str(n.id): n.bias for n in net.nodes}, "x": [0.05, 0.7, 0.2], "t": [0.01, 0.5]}
params["weights"]["1->4"] = 0.3
params["biases"]["8"] = -0.7
# the comm delivers a front-end message to the widget this way (ipywidgets' own dispatcher)
explorer._handle_msg({"content": {"data": {"method": "custom", "content": {"type": "params", **params}}},
                      "buffers": []})
print(json.dumps([net.edge(1, 4).weight, net.node(8).bias, explorer.x, explorer.t]))"""


def test_widget_in_a_real_kernel_writes_edits_back():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(EDIT)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    shown = nb.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in shown          # the live view
    assert 'data-edge="1->4"' in html.unescape(shown["text/html"])      # the static fallback page
    edited = json.loads(nb.cells[1].outputs[0]["text"])
    assert edited == [0.3, -0.7, [0.05, 0.7, 0.2], [0.01, 0.5]]
