"""`neurograph handout model.json --input … --target … -o DIR`: a quiz, its key, a worksheet and its answers."""
from __future__ import annotations

import numpy as np

from neurograph.commands import parse_numbers
from neurograph.io.model_file import load_model


def add_parser(sub):
    p = sub.add_parser(
        "handout", help="write a quiz diagram, its answer key, a worksheet and its answers",
        description="For one sample, write into DIR: quiz.svg/.pdf (the structure, every number a blank), "
                    "key.svg/.pdf (the same layout with the numbers), worksheet.md (the forward and backward "
                    "equations of every neuron with blanks) and answers.md (the same with the numbers). "
                    "Example: neurograph handout model.json --input 0.05,0.10 --target 0.01,0.99 --lr 0.5 "
                    "-o handout")
    p.add_argument("model", help="a model saved with net.save() or `neurograph demo` (JSON), or an ONNX MLP (.onnx)")
    p.add_argument("--input", required=True, metavar="X1,X2,...", help="the sample x")
    p.add_argument("--target", required=True, metavar="T1,T2,...", help="its target t")
    p.add_argument("--lr", type=float, default=None, help="add one SGD step with this learning rate")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write into (created if needed)")
    p.add_argument("--formats", default="svg,pdf", metavar="FMT,...",
                   help="diagram formats, from svg, pdf, png (default svg,pdf)")
    p.add_argument("--names", choices=("symbolic", "ids"), default="symbolic",
                   help="symbolic: x₁ h₁ ŷ₁ on the diagrams (default); ids: the node ids")
    return p


def run(args) -> int:
    import visualize

    net = load_model(args.model)
    names = None if args.names == "symbolic" else {n.id: str(n.id) for n in net.nodes}
    paths = visualize.handout(net, np.array(parse_numbers(args.input, "--input")),
                              np.array(parse_numbers(args.target, "--target")), args.output, lr=args.lr,
                              formats=tuple(f.strip() for f in args.formats.split(",")), names=names)
    for path in paths:
        print(path)
    return 0
