"""Every equation and sentence that ``explain`` writes, each one written once as a template.

Fields in braces are filled by ``Template.fill(style, **values)``
(``neurograph.explanations.notation``): the style's symbols ({dot} ·, {minus} −,
{delta} δ, {dash} —, {arrow} →, …) and the symbols and numbers the builder in
``neurograph.explanations.equations`` puts in.  Sides of an equation chain are
separated by " = "; the comment beside each one is the formula it shows.
"""
from __future__ import annotations

from neurograph.explanations.notation import ProseTemplate, Template

# -- equation chains -------------------------------------------------------------------

INPUT = Template("{a_j} = {x_j} = {a}")                                          # a_j = x_j
INPUT_Z = Template("{z_j} = {x_j} + {b_j} = {x} + {b} = {z}")                    # z_j = x_j + b_j
NEURON_Z = Template("{z_j} = {sum} + {b_j} = {sum_values} + {b} = {z}")          # z_j = Σ_i w_ji·a_i + b_j
NEURON_Z_NO_BIAS = Template("{z_j} = {sum} = {sum_values} = {z}")                # z_j = Σ_i w_ji·a_i
ACTIVATION = Template("{a_j} = {f}({z_j}) = {f}({z}) = {a}")                     # a_j = f(z_j)
SOFTMAX = Template("{a_j} = {softmax} = {softmax_values} = {a}")                 # a_j = e^{z_j} / Σ_k e^{z_k}
DERIVATIVE = {                                                                   # f′(z_j) as the seeds write it
    "sigmoid": Template("{fprime} = {a_j}{dot}(1{minus}{a_j}) = {a}{dot}(1{minus}{a}) = {value}"),
    "tanh": Template("{fprime} = 1{minus}{a_j_squared} = 1{minus}{a_squared} = {value}"),
    "relu": Template("{fprime} = {step_j} = {step} = {value}"),
}
DERIVATIVE_VALUE = Template("{fprime} = {value}")                                # identity, custom activations
SUM = Template("{lhs} = {sum} = {sum_values} = {value}")                         # e.g. ∂C/∂a_j = Σ_k w_kj·δ_k
HIDDEN_DELTA = Template(                                                         # δ_j = f′(z_j)·Σ_k w_kj·δ_k
    "{delta_j} = {fprime}{dot}({sum}) = {fp}{dot}({sum_values}) = {fp}{dot}{total} = {value}")
SOFTMAX_DELTA = Template(                                                        # δ_j = a_j·(g_j − Σ_k a_k·g_k)
    "{delta_j} = {a_j}{dot}({g_j}{minus}{sum_ag}) = {a}{dot}({g}{minus}({ag_values})) = {value}")
A_MINUS_T = Template("{delta_j} = {a_j}{minus}{t_j} = {a}{minus}{t} = {value}")  # δ_j = a_j − t_j
A_SUM_T_MINUS_T = Template(                                                      # δ_j = a_j·Σ_k t_k − t_j
    "{delta_j} = {a_j}{dot}{sum_t}{minus}{t_j} = {a}{dot}{t_sum}{minus}{t} = {value}")
OUTPUT_DELTA = Template(                                                         # δ_j = ∂C/∂a_j·f′(z_j)
    "{delta_j} = {dC_da}{dot}{fprime} = {dC_da_values}{dot}{fp} = {value}")
DC_DA = {                                                                        # ∂C/∂a_j: symbols, numbers
    "half_squared": ("({a_j}{minus}{t_j})", "({a}{minus}{t})"),
    "squared": ("2{dot}({a_j}{minus}{t_j})", "2{dot}({a}{minus}{t})"),
}
BIAS_GRAD = Template("{dC_db} = {delta_j} = {value}")                            # ∂C/∂b_j = δ_j
EDGE_GRAD = Template("{dC_dw} = {a_i}{dot}{delta_j} = {a}{dot}{delta} = {value}{note}")   # ∂C/∂w_ji = a_i·δ_j
WEIGHT = Template("{w} = {value}")
PRODUCT = Template("{w}{dot}{x_i} = {w_value}{dot}{x} = {value}")                # w·a forward, w·δ backward
LOSS = Template("C = {sum} = {sum_values} = {value}")
TERM = "{x}{dot}{y}"                                                             # one product inside a sum
LOSS_TERMS = {                                                                   # one output's share of C
    "cross_entropy": ("{t_k}{dot}{ln_a_k}", "{t}{dot}{ln_a}"),
    "binary_cross_entropy": ("[{t_k}{dot}{ln_a_k} + (1{minus}{t_k}){dot}{ln_1_minus_a_k}]",
                             "[{t}{dot}{ln_a} + (1{minus}{t}){dot}{ln_1_minus_a}]"),
    "squared": ("{a_k}{minus}{t_k}", "{a}{minus}{t}"),                            # (a − t)², squared by the style
}

NODE_TITLE = ProseTemplate("Node {id} ({kind}, layer {layer}, {activation})", "title")
EDGE_TITLE = ProseTemplate("Edge {i} {arrow_m} {j}: the weight {w_m}", "title")
LOSS_TITLE = ProseTemplate("The loss {name} for the last sample", "title")
FORWARD = ProseTemplate("Forward pass", "section")
BACKWARD = ProseTemplate("Backward pass", "section")
OUTPUT_DELTAS = ProseTemplate("Output deltas", "section")
NOT_YET = ProseTemplate("{delta_j} not computed yet{dash}run {backward} after the forward pass.")
SOFTMAX_COUPLES = ProseTemplate("softmax couples its group, so with {g_is_dC_da}:")
OTHER_TARGET = ProseTemplate("Note: the last backward pass left {delta_j} = {value}; "
                             "it was run with a different target t.")
INCOMING = ProseTemplate("Incoming weights, {rule}; {edge_grad} is the sum since {zero_grad}, equal to "
                         "{a_delta} after a single backward pass:")
MORE_EDGES = ProseTemplate("{ldots_m} ({hidden} more incoming edges)")
CLEARED = ProseTemplate("{zero_grad} has reset {edge_grad} since the last backward pass; the values above are "
                        "this sample's {a_delta}.")
CARRIES = ProseTemplate("It carries {a_i} into node {j}, one of the {n} weighted inputs of {z_j}:")
SENDS = ProseTemplate("It sends {w_delta} back into the sum {sum} of node {i}:")
ITS_GRADIENT = ProseTemplate("Its gradient ({edge_grad} is the sum since {zero_grad}):")
DOWNHILL = ProseTemplate("{step} then moves it downhill: {rule}.")
