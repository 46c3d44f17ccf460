"""`neurograph explore model.json -o page.html`: the interactive explorer as one HTML file."""
from __future__ import annotations

import argparse

from neurograph.commands import typed_sample
from neurograph.io.model_file import load_model


def add_parser(sub):
    p = sub.add_parser(
        "explore", help="write the interactive explorer of a saved network (one self-contained HTML page)",
        description="Write one HTML file (SVG, CSS and JavaScript inline; it requests nothing) in which "
                    "every neuron and edge shows its values and equations on hover, the forward and "
                    "backward passes can be stepped through, and weights, biases, inputs and targets "
                    "can be edited with everything recomputed live.",
        epilog="example:\n  neurograph explore model.json --input 0.05,0.1,0.2 --target 0.01,0.99 -o page.html",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a model saved with net.save() or `neurograph demo` (JSON), or an ONNX MLP (.onnx)")
    p.add_argument("-o", "--output", default="explorer.html", help="the page (default explorer.html)")
    p.add_argument("--input", metavar="X1,X2,...", help="the sample x (default: zeros)")
    p.add_argument("--target", metavar="T1,T2,...", help="its target t, for the backward pass")
    p.add_argument("--max-per-layer", type=int, default=12, metavar="K",
                   help="wider layers show their first and last neurons around a '⋮ n more' node (default 12)")
    p.add_argument("--title", default=None, help="the page's title (default: the layer sizes)")
    return p


def run(args) -> int:
    import visualize

    net = load_model(args.model)
    x, t = typed_sample(args)
    page = visualize.explore(net, x, t, title=args.title, max_per_layer=args.max_per_layer).save(args.output)
    print(f"explorer: {page} (open it in a browser)")
    return 0
