"""The 3-4-2 network of seed 002, one sample, every number (what `neurograph demo` prints).

    python examples/worked_example.py

Inputs 1–3, hidden 4–7, outputs 8–9.  Read it top to bottom: build, forward,
backward, look at any node or edge, take one SGD step, draw the picture.
"""
import neurograph as ng
import visualize
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example

net = worked_example()                       # weights and biases rounded to 2 decimals
y = net.forward(WORKED_X)                    # z_j = Σ_i w_ji·a_i + b_j,  a_j = σ(z_j)
loss = net.backward(WORKED_T)                # δ_j = σ′(z_j)·Σ_k w_kj·δ_k,  ∂C/∂w_ji = a_i·δ_j
print(f"x = {list(WORKED_X)}  →  y = {y.round(4).tolist()}   C = ½Σ(a − t)² = {loss:.6f}\n")

for node in net.nodes:
    print(f"node {node.id} (layer {node.layer}):  z = {node.z:+.4f}  a = {node.a:+.4f}  δ = {node.delta:+.4f}")
print()
for edge in net.edges:
    print(f"{edge.pretty} ({edge.src.id} → {edge.dst.id}):  w = {edge.weight:+.2f}   ∂C/∂w = {edge.grad:+.5f}")
print()
print(ng.explain(net, 4))                    # node 4's equations with the numbers put in

picture = visualize.draw(net, title="3-4-2 worked example", loss=loss)
try:
    print("\npicture:", picture.save("worked_example.svg"))
except visualize.GraphvizNotInstalled as exc:
    print("\n(no picture:", exc, ")")

net.step(lr=0.5)                             # w ← w − η·∂C/∂w
net.zero_grad()
net.forward(WORKED_X)
print(f"\nafter one SGD step with η = 0.5:  C = {net.backward(WORKED_T):.6f}  (was {loss:.6f})")
