"""`neurograph draw model.json -o net.svg`: a Graphviz picture of a saved network."""
from __future__ import annotations

import numpy as np

from neurograph.commands import example, samples, typed_sample
from neurograph.io.model_file import load_model


def add_parser(sub):
    p = sub.add_parser(
        "draw", help="draw a saved network with its weights (and a, δ, ∂C/∂w for a sample)",
        description="Draw a saved model with Graphviz: layers left to right, edge colour = sign "
                    "of w, width ∝ |w|. With --input the forward pass fills in every a; with "
                    "--target too, the backward pass fills in every δ and ∂C/∂w. The format "
                    "follows the extension of -o: .svg, .png, .pdf or .dot (DOT text, needs no "
                    "Graphviz). --mnist-index or --sample-from feed a real sample and its target.",
        **example("neurograph draw mnist.json --mnist-index 0 --split test -o seven.svg"))
    p.add_argument("model", help="a model saved with net.save() or `neurograph demo` (JSON), or an ONNX MLP (.onnx)")
    p.add_argument("-o", "--output", default="net.svg",
                   help="picture file: .svg, .png, .pdf, or .dot/.gv for the DOT text (default net.svg)")
    p.add_argument("--labels", choices=("auto", "table", "edge", "none"), default="auto",
                   help="auto: tables unless a layer collapses, then none (default); table: each neuron "
                        "lists its incoming w and ∂C/∂w; edge: each number on its own edge (tiny nets); "
                        "none: no weight labels")
    p.add_argument("--show", choices=("forward", "backward", "both"), default="both",
                   help="which pass to show (default both)")
    p.add_argument("--max-per-layer", type=int, default=12, metavar="K",
                   help="wider layers show their first and last neurons around a '⋮ n more' node "
                        "(default 12)")
    p.add_argument("--precision", type=int, default=2, help="decimals in labels (default 2)")
    p.add_argument("--input", metavar="X1,X2,...", help="a sample x to run forward")
    p.add_argument("--target", metavar="T1,T2,...", help="its target t, to run backward too")
    p.add_argument("--dpi", type=float, default=None,
                   help="resolution of a .png (default 96); .svg and .pdf keep their size")
    p.add_argument("--title", default=None, help="title (default: the layer sizes and C)")
    p.add_argument("--names", choices=("ids", "symbolic"), default="ids",
                   help="ids: node ids (default); symbolic: x₁…, h₁…, ŷ₁… (ids stay in the tooltips)")
    p.add_argument("--no-values", dest="values", action="store_false",
                   help="structure only: every number a blank, edges and fills uniform (a quiz)")
    p.add_argument("--scale", type=float, default=None,
                   help="one fixed colour and width scale ±SCALE for w (and δ), so pictures compare")
    p.add_argument("--no-legend", dest="legend", action="store_false", help="leave the legend out")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="LR: layers left to right (default); TB: top to bottom")
    samples.add_options(p)
    return p


def run(args) -> int:
    import visualize

    visualize.format_of(args.output)        # a bad extension fails before any work
    net = load_model(args.model)
    x, t = typed_sample(args)
    loss = None
    real = samples.chosen(args, net)
    if real is not None:
        print(f"sample: {real.source}" + ("" if real.t is not None else ", no target: forward pass only"))
        net.forward(real.x)
        if real.t is not None:
            loss = net.backward(real.t)
    elif x is not None:
        net.forward(np.array(x))
        if t is not None:
            loss = net.backward(np.array(t))
    diagram = visualize.draw(net, labels=args.labels, show=args.show, max_per_layer=args.max_per_layer,
                             precision=args.precision, title=args.title, loss=loss, values=args.values,
                             names=None if args.names == "ids" else args.names, scale=args.scale,
                             legend=args.legend, rankdir=args.rankdir)
    path = diagram.save(args.output, dpi=args.dpi)
    print(f"picture: {path}")
    return 0
