"""`neurograph grade model.json answers.csv --input … --target …`: hand-derived numbers, judged.

Exit code 0 when every answer is right at the digits written, 1 when some are
not (with hints), 2 for bad input (from the CLI).
"""
from __future__ import annotations

import argparse

from neurograph.check.grade import NAME_HELP, grade
from neurograph.commands import parse_numbers
from neurograph.io.model_file import load_model

EXAMPLE = f"""\
example:
  # model.json: the 3-4-2 worked example (neurograph demo --out DIR saves it)
  printf 'name,value\\ndelta_8,0.1225\\nw_{{8,4}},-0.1593\\nC,0.1796\\n' > answers.csv
  neurograph grade model.json answers.csv --input 0.05,0.10,0.20 --target 0.01,0.99 --lr 0.5

answer names: {NAME_HELP}.
Each answer is judged at the digits written (rounding or truncation). Exit code 0: all right; 1: some wrong;
2: bad input.
"""


def add_parser(sub):
    p = sub.add_parser(
        "grade", help="grade hand-derived z, a, δ, ∂C/∂w, new weights and C for one sample (a CSV)",
        description="Run one sample through a saved model and judge each of your answers at the precision you "
                    "wrote it, with a hint naming the mistake where one fits.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a model saved with net.save() or `neurograph demo` (JSON), or an ONNX MLP (.onnx)")
    p.add_argument("answers", help="a CSV file with the header name,value")
    p.add_argument("--input", required=True, metavar="X1,X2,...", help="the sample x")
    p.add_argument("--target", required=True, metavar="T1,T2,...", help="the target t")
    p.add_argument("--lr", type=float, default=None, help="learning rate, for answers after one step (w_{4,1}, b_4)")
    return p


def run(args) -> int:
    net = load_model(args.model)
    x, t = parse_numbers(args.input, "--input"), parse_numbers(args.target, "--target")
    try:
        result = grade(net, x, t, args.answers, lr=args.lr)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    print(result)
    return 0 if result.ok else 1
