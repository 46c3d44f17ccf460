"""`neurograph explain model.json --node 4`: the equations of a node, an edge or the loss, numbers put in."""
from __future__ import annotations

import numpy as np

from neurograph.engine.builders import WORKED_T, WORKED_X
from neurograph.explanations.equations import explain
from neurograph.explanations.notation import FORMATS, shorten
from neurograph.commands import example, parse_numbers, samples
from neurograph.engine.graph import Network
from neurograph.io.model_file import load_model


def add_parser(sub):
    p = sub.add_parser(
        "explain", help="write out the forward and backward equations of a node, an edge or the loss",
        description="Run one sample through a saved model (forward, and backward when a target is "
                    "known) and print the equations of the chosen nodes, edges or the loss with "
                    "every number substituted. The default sample is the worked example's when the "
                    "shapes fit, a real MNIST digit (test image 0, a 7) for 784-input models, else a "
                    "ramp of inputs; --input/--target, --mnist-index or --sample-from choose another.",
        **example("neurograph explain model.json --node 4 --edge 1,4 --loss"))
    p.add_argument("model", help="a model saved with net.save() or `neurograph demo` (JSON), or an ONNX MLP (.onnx)")
    p.add_argument("--node", type=int, action="append", default=[], metavar="ID",
                   help="node id to explain (repeatable), e.g. --node 4")
    p.add_argument("--edge", action="append", default=[], metavar="SRC,DST",
                   help="edge to explain as source,destination (repeatable), e.g. --edge 1,4 for w_{4,1}")
    p.add_argument("--loss", action="store_true", help="explain the loss and the output deltas")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    p.add_argument("--input", metavar="X1,X2,...", help="the sample x (default: a fixed sample, see below)")
    p.add_argument("--target", metavar="T1,T2,...",
                   help="the target t for the backward pass (default with the default sample: a fixed target)")
    p.add_argument("--digits", type=int, default=4, help="decimals shown (default 4)")
    samples.add_options(p)
    return p


def _edge(text: str) -> tuple[int, int]:
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        raise ValueError(f"--edge takes SRC,DST node ids, e.g. 1,4 for w_{{4,1}}; got {text!r}")
    return int(parts[0]), int(parts[1])


def default_sample(net: Network) -> samples.Sample:
    """The worked example's x and t when the shapes fit; for a 784-input (MNIST) model the test
    image 0 (a 7); else x evenly spread in [0.05, 0.95].  Without a known target, t is one-hot on
    the first output."""
    n_in, n_out = net.n_inputs, net.n_outputs
    if n_in == samples.MNIST_INPUTS:
        real = samples.mnist_sample(net, 0, "test")
        return real._replace(t=np.eye(n_out)[0] if real.t is None else real.t)
    x = np.array(WORKED_X) if n_in == len(WORKED_X) else np.round(np.linspace(0.05, 0.95, n_in), 4)
    t = np.array(WORKED_T) if n_out == len(WORKED_T) else np.eye(n_out)[0]
    return samples.Sample(x, t, "the default sample")


def _show(values: np.ndarray) -> str:
    """[v₁, v₂, …] with at most 7 entries: beyond that the first 6, a count of the rest, and the last."""
    shown = shorten([f"{v:g}" for v in values], 7, lambda hidden: f"… ({hidden} more)")
    return f"[{', '.join(shown)}]"


def run(args) -> int:
    net = load_model(args.model)
    targets = args.node + [_edge(e) for e in args.edge] + (["loss"] if args.loss else [])
    if not targets:
        raise ValueError("choose what to explain: --node ID, --edge SRC,DST or --loss")
    real = samples.chosen(args, net)
    if real is None and not args.input:
        real = default_sample(net)
        real = real._replace(source=f"{real.source}; pass --input and --target for your own")
    if real is not None:
        x, t, note = real.x, real.t, f" ({real.source})"
    else:
        x = np.array(parse_numbers(args.input, "--input"))
        t = np.array(parse_numbers(args.target, "--target")) if args.target else None
        note = ""
    net.forward(x)
    if t is not None:
        net.backward(t)
    texts = [explain(net, target, format=args.format, t=t, digits=args.digits) for target in targets]
    print(f"Sample x = {_show(x)}" + (f", target t = {_show(t)}" if t is not None else "") + note)
    if t is None:
        print("No --target given: forward pass only.")
    print("\n" + "\n\n".join(texts))
    return 0
