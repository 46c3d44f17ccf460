// neurograph explorer: the network's numbers recomputed live in the page.
//
// The same formulas as the Python engine (neurograph/engine), neuron by neuron:
//   forward   z_j = Σ_i w_ji·a_i + b_j,   a_j = f(z_j)   (softmax over its group)
//   backward  δ_out from the loss, δ_j = f′(z_j)·Σ_k w_kj·δ_k,   ∂C/∂w_ji = a_i·δ_j,   ∂C/∂b_j = δ_j
// with the same numerical guards: σ(z) = exp(−logaddexp(0, −z)), softmax with its max
// subtracted, cross-entropy from log-softmax and binary cross-entropy from log-sigmoid.
// The equations in the panel follow neurograph.explain's text format.
/* exported neurographExplorer */
function neurographExplorer(root, data, hooks) {
  "use strict";
  hooks = hooks || {};

  // -- the model -------------------------------------------------------------------
  const nodes = data.nodes.slice().sort((p, q) => (p.layer - q.layer) || (p.id - q.id));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const layerCount = Math.max(...nodes.map((n) => n.layer)) + 1;
  const layers = Array.from({ length: layerCount }, () => []);
  nodes.forEach((n) => layers[n.layer].push(n));
  const inputs = data.inputs.map((id) => byId.get(id));
  const outputs = data.outputs.map((id) => byId.get(id));
  const outgoing = new Map(nodes.map((n) => [n.id, []]));
  nodes.forEach((n) => n.in.forEach(([src]) => outgoing.get(src).push(n.id)));
  outgoing.forEach((list) => list.sort((p, q) => p - q));
  const key = (src, dst) => `${src}->${dst}`;

  function initialParams() {
    const weights = {};
    nodes.forEach((n) => n.in.forEach(([src, w]) => { weights[key(src, n.id)] = w; }));
    const biases = {};
    nodes.forEach((n) => { biases[n.id] = n.bias; });
    return { weights, biases, x: data.x.slice(), t: data.t === null ? null : data.t.slice() };
  }
  let params = initialParams();
  let values = null;                    // the last full computation
  const frameTotal = 2 * layerCount - 1;
  const fullPhase = () => (params.t === null ? layerCount : frameTotal);   // everything the data allow
  let phase = data.t === null ? layerCount : frameTotal;
  let stepping = false;

  // -- formulas ---------------------------------------------------------------------------
  const logaddexp0 = (v) => Math.max(0, v) + Math.log1p(Math.exp(-Math.abs(v)));   // ln(1 + e^v)
  const ACT = {
    sigmoid: { f: (z) => Math.exp(-logaddexp0(-z)), d: (z, a) => a * (1 - a) },
    tanh: { f: Math.tanh, d: (z, a) => 1 - a * a },
    relu: { f: (z) => Math.max(z, 0), d: (z) => (z > 0 ? 1 : 0) },
    identity: { f: (z) => z, d: () => 1 },
  };
  function softmax(zs) {
    const m = Math.max(...zs);
    const e = zs.map((z) => Math.exp(z - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((v) => v / s);
  }
  function logSoftmax(zs) {
    const m = Math.max(...zs);
    const lse = m + Math.log(zs.reduce((p, z) => p + Math.exp(z - m), 0));
    return zs.map((z) => z - lse);
  }
  // ∂C/∂a of each loss, for outputs that are not handled from z
  const LOSS_GRAD = {
    half_squared: (a, t) => a - t,
    squared: (a, t) => 2 * (a - t),
    cross_entropy: (a, t) => -t / Math.max(a, 1e-300),
    binary_cross_entropy: (a, t) => (a - t) / Math.max(a * (1 - a), 1e-300),
  };

  function groupsOf(layer) {            // same layer, same activation: one group (softmax couples it)
    const out = new Map();
    layer.forEach((n) => {
      if (!out.has(n.activation)) out.set(n.activation, []);
      out.get(n.activation).push(n);
    });
    return [...out.entries()];
  }

  function compute() {
    const z = {}, a = {}, d = {}, grad = {}, bgrad = {};
    const w = params.weights, b = params.biases;
    layers.forEach((layer, l) => {
      layer.forEach((n) => {
        if (l === 0) {
          z[n.id] = params.x[inputs.indexOf(n)] + (b[n.id] === null ? 0 : b[n.id]);     // z = x (+ b)
        } else {
          let s = 0;
          n.in.forEach(([src]) => { s += w[key(src, n.id)] * a[src]; });                // Σ_i w_ji·a_i
          z[n.id] = s + (b[n.id] === null ? 0 : b[n.id]);                               // + b_j
        }
      });
      groupsOf(layer).forEach(([act, group]) => {
        if (act === "softmax") {
          softmax(group.map((n) => z[n.id])).forEach((v, i) => { a[group[i].id] = v; });
        } else {
          group.forEach((n) => { a[n.id] = ACT[act].f(z[n.id]); });                     // a_j = f(z_j)
        }
      });
    });
    let loss = null;
    if (params.t !== null) {
      loss = 0;
      const t = (n) => params.t[outputs.indexOf(n)];
      groupsOf(layers[layerCount - 1]).forEach(([act, group]) => {
        const zs = group.map((n) => z[n.id]), as = group.map((n) => a[n.id]), ts = group.map(t);
        if (data.loss === "cross_entropy" && act === "softmax") {
          const ls = logSoftmax(zs), tsum = ts.reduce((p, q) => p + q, 0);
          ts.forEach((tk, i) => { loss -= tk * ls[i]; });                                // C = −Σ t·ln a
          group.forEach((n, i) => { d[n.id] = as[i] * tsum - ts[i]; });                  // δ = a·Σt − t
        } else if (data.loss === "binary_cross_entropy" && act === "sigmoid") {
          zs.forEach((zk, i) => {   // C = −[t ln σ(z) + (1 − t) ln(1 − σ(z))] = ln(1 + e^z) − t·z
            loss += logaddexp0(zk) - ts[i] * zk;
            d[group[i].id] = as[i] - ts[i];                                              // δ = a − t
          });
        } else {
          as.forEach((ak, i) => {
            const tk = ts[i];
            if (data.loss === "half_squared") loss += 0.5 * (ak - tk) * (ak - tk);
            else if (data.loss === "squared") loss += (ak - tk) * (ak - tk);
            else if (data.loss === "cross_entropy") loss -= tk * Math.log(Math.max(ak, 1e-300));
            else loss -= tk * Math.log(Math.max(ak, 1e-300)) + (1 - tk) * Math.log(Math.max(1 - ak, 1e-300));
          });
          const g = as.map((ak, i) => LOSS_GRAD[data.loss](ak, ts[i]));
          backThrough(act, group, g, z, a, d);
        }
      });
      for (let l = layerCount - 2; l >= 0; l--) {
        groupsOf(layers[l]).forEach(([act, group]) => {
          const g = group.map((n) => outgoing.get(n.id).reduce(
            (s, dst) => s + w[key(n.id, dst)] * d[dst], 0));                             // Σ_k w_kj·δ_k
          backThrough(act, group, g, z, a, d);
        });
      }
      nodes.forEach((n) => {
        n.in.forEach(([src]) => { grad[key(src, n.id)] = a[src] * d[n.id]; });           // ∂C/∂w_ji = a_i·δ_j
        bgrad[n.id] = b[n.id] === null ? null : d[n.id];                                 // ∂C/∂b_j = δ_j
      });
    }
    values = { z, a, d, grad, bgrad, loss };
  }

  function backThrough(act, group, g, z, a, d) {
    if (act === "softmax") {                           // δ_j = a_j·(g_j − Σ_k a_k·g_k)
      const mean = group.reduce((s, n, i) => s + a[n.id] * g[i], 0);
      group.forEach((n, i) => { d[n.id] = a[n.id] * (g[i] - mean); });
    } else {
      group.forEach((n, i) => { d[n.id] = ACT[act].d(z[n.id], a[n.id]) * g[i]; });       // δ = f′(z)·g
    }
  }

  // what the current phase reveals (the frames of visualize.frames)
  // (not stepping: everything computed, the inputs' δ = ∂C/∂x included)
  function knownForward(layer) { return !stepping || (phase >= 1 && layer <= Math.min(phase - 1, layerCount - 1)); }
  function knownBackward(layer) {
    if (params.t === null) return false;
    if (!stepping) return true;
    if (phase <= layerCount) return false;
    return layer >= layerCount - 1 - (phase - layerCount - 1);
  }

  function state() {
    const out = { nodes: {}, edges: {}, loss: !stepping || phase > layerCount ? values.loss : null, phase };
    nodes.forEach((n) => {
      const f = knownForward(n.layer), bk = knownBackward(n.layer);
      out.nodes[String(n.id)] = {
        z: f ? values.z[n.id] : null, a: f ? values.a[n.id] : null,
        delta: bk ? values.d[n.id] : null, bias: params.biases[n.id],
        bias_grad: bk ? values.bgrad[n.id] : null,
      };
      n.in.forEach(([src]) => {
        out.edges[key(src, n.id)] = { weight: params.weights[key(src, n.id)],
          grad: bk ? values.grad[key(src, n.id)] : null };
      });
    });
    return out;
  }

  // -- numbers and equations as neurograph.explain writes them (text format) -----------
  const DIGITS = data.digits, MAX_TERMS = data.max_terms;
  function num(v) {
    v = v + 0;
    if (v === 0 || (Math.abs(v) >= 10 ** -(DIGITS - 1) && Math.abs(v) < 1e5)) {
      const s = v.toFixed(DIGITS);
      return /^-0\.0*$/.test(s) ? s.slice(1) : s;
    }
    return v.toExponential(DIGITS - 1).replace(/e([+-])(\d)$/, "e$10$2");
  }
  const fac = (v) => { const s = num(v); return s.startsWith("-") ? `(${s})` : s; };
  const sub = (base, ...idx) => (idx.length === 1 ? `${base}_${idx[0]}` : `${base}_{${idx.join(",")}}`);
  const wname = (src, dst) => `w_{${dst},${src}}`;
  const FUNCS = { sigmoid: "σ", tanh: "tanh", relu: "relu", identity: "id", softmax: "softmax" };
  function shorten(items, gap) {
    if (items.length <= MAX_TERMS) return items.slice();
    return [...items.slice(0, MAX_TERMS - 1), gap(items.length - MAX_TERMS), items[items.length - 1]];
  }
  const terms = (list) => shorten(list, (k) => `… (+ ${k} more terms)`).join(" + ");
  function render(items) {
    const out = [];
    items.forEach((it) => {
      if (Array.isArray(it)) {
        if (it.join(" = ").length <= 76) { out.push("  " + it.join(" = ")); return; }
        const pad = " ".repeat(it[0].length + 1);
        out.push(`  ${it[0]} = ${it[1]}`);
        it.slice(2).forEach((s) => out.push(`  ${pad}= ${s}`));
      } else if (it.kind === "title") {
        out.push(it.text, "─".repeat(Math.min(it.text.length, 78)));
      } else if (it.kind === "section") {
        out.push("\n" + it.text);
      } else {
        out.push(wrap(it.text, 78));
      }
    });
    return out.join("\n");
  }
  function wrap(text, width) {                    // textwrap.fill with a two-space indent
    const lines = [];
    let line = "";
    text.split(/\s+/).forEach((word) => {
      if (line && (line.length + 1 + word.length + 2) > width) { lines.push("  " + line); line = word; }
      else line = line ? `${line} ${word}` : word;
    });
    if (line) lines.push("  " + line);
    return lines.join("\n");
  }
  const prose = (text, kind) => ({ kind: kind || "text", text });
  const kindOf = (n) => (n.layer === 0 ? "input" : outputs.includes(n) ? "output" : "hidden");
  const A = (id) => values.a[id], Z = (id) => values.z[id], D = (id) => values.d[id];
  const groupOf = (n) => layers[n.layer].filter((m) => m.activation === n.activation);
  const tOf = (n) => params.t[outputs.indexOf(n)];
  const noDelta = (j) => prose(`${sub("δ", j)} not computed yet — run backward(t) after the forward pass.`);

  function explainNode(n) {
    const j = n.id, bias = params.biases[j];
    const items = [prose(`Node ${j} (${kindOf(n)}, layer ${n.layer}, ${n.activation})`, "title"),
      prose("Forward pass", "section")];
    if (n.layer === 0) {
      if (bias === null) items.push([sub("a", j), sub("x", j), num(A(j))]);
      else {
        items.push([sub("z", j), `${sub("x", j)} + ${sub("b", j)}`, `${fac(Z(j) - bias)} + ${fac(bias)}`, num(Z(j))]);
        items.push(activationEq(n));
      }
    } else {
      let sym = terms(n.in.map(([src]) => `${wname(src, j)}·${sub("a", src)}`));
      let val = terms(n.in.map(([src]) => `${fac(params.weights[key(src, j)])}·${fac(A(src))}`));
      if (bias !== null) { sym += ` + ${sub("b", j)}`; val += ` + ${fac(bias)}`; }
      items.push([sub("z", j), sym, val, num(Z(j))], activationEq(n));
    }
    items.push(prose("Backward pass", "section"));
    if (params.t === null) { items.push(noDelta(j)); return render(items); }
    items.push(...(outputs.includes(n) ? outputDelta(n) : hiddenDelta(n)));
    if (bias !== null) items.push([`∂C/∂${sub("b", j)}`, sub("δ", j), num(D(j))]);
    if (n.in.length) {
      items.push(prose("Incoming weights, ∂C/∂w = a_src·δ_dst; edge.grad is the sum since zero_grad(), " +
        "equal to a·δ after a single backward pass:"));
      shorten(n.in.map(([src]) => src), (k) => ({ gap: k })).forEach((src) => {
        if (typeof src === "object") items.push(prose(`… (${src.gap} more incoming edges)`));
        else items.push(edgeGradEq(src, j));
      });
    }
    return render(items);
  }
  function activationEq(n) {
    const j = n.id;
    if (n.activation === "softmax") {
      const denom = terms(groupOf(n).map((m) => `exp(${num(Z(m.id))})`));
      return [sub("a", j), `exp(${sub("z", j)}) / Σ_k exp(z_k)`, `exp(${num(Z(j))}) / (${denom})`, num(A(j))];
    }
    const f = FUNCS[n.activation];
    return [sub("a", j), `${f}(${sub("z", j)})`, `${f}(${num(Z(j))})`, num(A(j))];
  }
  function derivative(n) {
    const j = n.id, a = A(j), z = Z(j), aj = sub("a", j);
    const fp = ACT[n.activation].d(z, a);
    const name = `${FUNCS[n.activation]}′(${sub("z", j)})`;
    const forms = {
      sigmoid: [`${aj}·(1 − ${aj})`, `${fac(a)}·(1 − ${fac(a)})`],
      tanh: [`1 − (${aj})²`, `1 − (${num(a)})²`],
      relu: [`1[${sub("z", j)} > 0]`, `1[${num(z)} > 0]`],
      identity: [],
    }[n.activation];
    return { name, fp, eq: [name, ...forms, num(fp)] };
  }
  function downstream(n) {
    const out = outgoing.get(n.id);
    return {
      sym: terms(out.map((k) => `${wname(n.id, k)}·${sub("δ", k)}`)),
      val: terms(out.map((k) => `${fac(params.weights[key(n.id, k)])}·${fac(D(k))}`)),
      total: out.reduce((s, k) => s + params.weights[key(n.id, k)] * D(k), 0),
    };
  }
  function softmaxDelta(n, g) {
    const j = n.id, group = groupOf(n);
    const mean = group.reduce((s, m) => s + A(m.id) * g[m.id], 0);
    const ts = terms(group.map((m) => `${fac(A(m.id))}·${fac(g[m.id])}`));
    const value = A(j) * (g[j] - mean);
    return [[prose(`softmax couples its group, so with ${sub("g", j)} = ∂C/∂${sub("a", j)}:`),
      [sub("δ", j), `${sub("a", j)}·(${sub("g", j)} − Σ_k a_k·g_k)`, `${fac(A(j))}·(${fac(g[j])} − (${ts}))`,
        num(value)]], value];
  }
  function hiddenDelta(n) {
    const j = n.id, ds = downstream(n);
    if (n.activation === "softmax") {
      const g = {};
      groupOf(n).forEach((m) => { g[m.id] = downstream(m).total; });
      return [[`∂C/∂${sub("a", j)}`, ds.sym, ds.val, num(ds.total)], ...softmaxDelta(n, g)[0]];
    }
    if (n.activation === "identity") return [[sub("δ", j), ds.sym, ds.val, num(D(j))]];
    const dv = derivative(n);
    return [dv.eq, [sub("δ", j), `${dv.name}·(${ds.sym})`, `${fac(dv.fp)}·(${ds.val})`,
      `${fac(dv.fp)}·${fac(ds.total)}`, num(D(j))]];
  }
  function dCda(n) {
    const j = n.id, a = A(j), t = tOf(n), aj = sub("a", j), tj = sub("t", j);
    return {
      half_squared: [`(${aj} − ${tj})`, `(${fac(a)} − ${fac(t)})`],
      squared: [`2·(${aj} − ${tj})`, `2·(${fac(a)} − ${fac(t)})`],
      cross_entropy: [`-(${tj} / ${aj})`, `-(${fac(t)} / ${fac(a)})`],
      binary_cross_entropy: [`(${aj} − ${tj}) / (${aj}·(1 − ${aj}))`, `(${fac(a)} − ${fac(t)}) / (${fac(a)}·(1 − ${fac(a)}))`],
    }[data.loss];
  }
  function outputDelta(n) {
    const j = n.id, a = A(j), t = tOf(n), aj = sub("a", j), tj = sub("t", j), dj = sub("δ", j);
    if (n.activation === "softmax" && data.loss === "cross_entropy") {
      const tsum = params.t.reduce((p, q) => p + q, 0);
      const left = tsum === 1 ? [aj, fac(a)] : [`${aj}·Σ_k t_k`, `${fac(a)}·${fac(tsum)}`];
      return [[dj, `${left[0]} − ${tj}`, `${left[1]} − ${fac(t)}`, num(a * tsum - t)]];
    }
    if (n.activation === "sigmoid" && data.loss === "binary_cross_entropy") {
      return [[dj, `${aj} − ${tj}`, `${fac(a)} − ${fac(t)}`, num(a - t)]];
    }
    if (n.activation === "softmax") {
      const g = {};
      groupOf(n).forEach((m) => { g[m.id] = LOSS_GRAD[data.loss](A(m.id), tOf(m)); });
      const [sym, val] = dCda(n);
      return [[`∂C/∂${aj}`, sym, val, num(g[j])], ...softmaxDelta(n, g)[0]];
    }
    const dv = derivative(n), [sym, val] = dCda(n);
    return [dv.eq, [dj, `${sym}·${dv.name}`, `${val}·${fac(dv.fp)}`, num(LOSS_GRAD[data.loss](a, t) * dv.fp)]];
  }
  function edgeGradEq(src, dst) {
    return [`∂C/∂${wname(src, dst)}`, `${sub("a", src)}·${sub("δ", dst)}`, `${fac(A(src))}·${fac(D(dst))}`,
      num(A(src) * D(dst))];
  }
  function explainEdge(src, dst) {
    const w = params.weights[key(src, dst)], name = wname(src, dst);
    const items = [prose(`Edge ${src} → ${dst}: the weight ${name}`, "title"), [name, num(w)],
      prose("Forward pass", "section"),
      prose(`It carries ${sub("a", src)} into node ${dst}, one of the ${byId.get(dst).in.length} weighted ` +
        `inputs of ${sub("z", dst)} = ${num(Z(dst))}:`),
      [`${name}·${sub("a", src)}`, `${fac(w)}·${fac(A(src))}`, num(w * A(src))],
      prose("Backward pass", "section")];
    if (params.t === null) { items.push(noDelta(dst)); return render(items); }
    items.push(prose(`It sends ${name}·${sub("δ", dst)} back into the sum Σ_k w_{k,${src}}·δ_k of node ${src}:`),
      [`${name}·${sub("δ", dst)}`, `${fac(w)}·${fac(D(dst))}`, num(w * D(dst))],
      prose("Its gradient (edge.grad is the sum since zero_grad()):"), edgeGradEq(src, dst),
      prose(`net.step(lr) then moves it downhill: ${name} ← ${name} − η·∂C/∂${name}.`));
    return render(items);
  }

  // -- the picture ----------------------------------------------------------------------
  const PUOR = data.palette, rgb = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  function diverging(v, vmax) {
    if (v === null) return data.unknown_fill;
    const t = vmax <= 0 ? 0 : Math.max(-1, Math.min(1, v / vmax));
    const p = (t + 1) / 2 * (PUOR.length - 1), i = Math.min(Math.floor(p), PUOR.length - 2), f = p - i;
    const lo = rgb(PUOR[i]), hi = rgb(PUOR[i + 1]);
    return "#" + lo.map((c, k) => Math.round(c + (hi[k] - c) * f).toString(16).padStart(2, "0")).join("");
  }
  const penWidth = (v, vmax) => (v === null || vmax <= 0 ? 1 : data.pen[0] + (data.pen[1] - data.pen[0]) *
    Math.min(1, Math.abs(v) / vmax));
  const largest = (list) => list.reduce((m, v) => (v === null ? m : Math.max(m, Math.abs(v))), 0);
  function short(v) {                             // visualize.style.number with 2 decimals
    if (v === null) return "—";
    const s = v !== 0 && Math.abs(v) < 0.005 ? (v > 0 ? "+" : "") + v.toPrecision(2).replace(/(\.\d*?)0+$/, "$1")
      : (v >= 0 ? "+" : "") + v.toFixed(2);
    return s.replace("-", "−");
  }

  const svg = root.querySelector(".ng-svg svg");
  function repaint() {
    const st = state();
    const ws = Object.values(st.edges).map((e) => e.weight);
    const vmaxEdge = largest(ws), vmaxFill = largest(Object.values(st.nodes).map((n) => n.a));
    const vmaxRing = largest(Object.values(st.nodes).map((n) => n.delta));
    svg.querySelectorAll("[data-edge]").forEach((g) => {
      const e = st.edges[g.dataset.edge];
      const path = g.querySelector("path");
      if (!e || !path) return;
      const dst = Number(g.dataset.edge.split("->")[1]);
      const shown = st.nodes[String(dst)].a !== null || phase === frameTotal || phase === 0;
      path.setAttribute("stroke", shown ? diverging(e.weight, vmaxEdge) : "#dddddd");
      path.setAttribute("stroke-width", penWidth(e.weight, vmaxEdge).toFixed(2));
    });
    svg.querySelectorAll("[data-node]").forEach((g) => {
      const n = st.nodes[g.dataset.node], shape = g.querySelector("ellipse, polygon");
      const lit = litLayer() === byId.get(Number(g.dataset.node)).layer;
      if (shape) {
        shape.setAttribute("fill", diverging(n.a, vmaxFill));
        shape.setAttribute("stroke", lit ? "#000000" : n.delta === null ? "#9a9a9a" : diverging(n.delta, vmaxRing));
        shape.setAttribute("stroke-width", lit ? "5" : "3");
      }
      const fill = rgb(diverging(n.a, vmaxFill));
      const ink = 0.2126 * fill[0] + 0.7152 * fill[1] + 0.0722 * fill[2] < 120 ? "#ffffff" : "#000000";
      g.querySelectorAll("text").forEach((text) => {
        const m = /^([aδb]) /.exec(text.textContent);
        text.setAttribute("fill", ink);
        if (!m) return;
        const v = { a: n.a, "δ": n.delta, b: n.bias }[m[1]];
        text.textContent = `${m[1]} ${short(v)}`;
        if (v === null) text.setAttribute("fill", ink === "#ffffff" ? "#d8d8d8" : "#9a9a9a");
      });
    });
    root.querySelector(".ng-loss").textContent = st.loss === null ? "C = —" : `C = ${st.loss}`;
    const label = !stepping ? (params.t === null ? "forward pass done (set a target for the backward pass)"
      : "forward and backward pass done") : phase === 0 ? "nothing computed yet" : phase <= layerCount
      ? `step ${phase}/${frameTotal} · forward, layer ${phase - 1}`
      : `step ${phase}/${frameTotal} · backward, layer ${litLayer()}`;
    root.querySelector(".ng-phase").textContent = label;
    if (selected) showPanel(selected);
    if (hooks.changed) hooks.changed(params);
  }
  function litLayer() {                        // the layer a step has just computed (none until stepping)
    if (!stepping || phase === 0) return null;
    if (phase <= layerCount) return phase - 1;
    return layerCount - 1 - (phase - layerCount - 1);
  }

  // -- the panel -------------------------------------------------------------------------
  let selected = null;
  const panel = root.querySelector(".ng-panel");
  function full(v) { return v === null ? "not computed yet" : String(v); }
  function showPanel(sel) {
    selected = sel;
    const st = state();
    const title = panel.querySelector(".ng-panel-title"), facts = panel.querySelector(".ng-facts");
    const eqs = panel.querySelector(".ng-equations"), edit = panel.querySelector(".ng-edit");
    edit.innerHTML = "";
    if (sel.node !== undefined) {
      const n = st.nodes[String(sel.node)];
      title.textContent = `node ${sel.node}`;
      facts.textContent = `z = ${full(n.z)}\na = ${full(n.a)}\nδ = ∂C/∂z = ${full(n.delta)}` +
        (n.bias === null ? "" : `\nb = ${n.bias}\n∂C/∂b = ${full(n.bias_grad)}`);
      eqs.textContent = phase === 0 ? "nothing computed yet: press “next step”" : explainNode(byId.get(sel.node));
      if (n.bias !== null) edit.appendChild(editor(`bias b_${sel.node}`, n.bias, (v) => api.setBias(sel.node, v)));
    } else {
      const [src, dst] = sel.edge.split("->").map(Number), e = st.edges[sel.edge];
      title.textContent = `edge ${src} → ${dst} (${wname(src, dst)})`;
      facts.textContent = `w = ${e.weight}\n∂C/∂w = ${full(e.grad)}`;
      eqs.textContent = phase === 0 ? "nothing computed yet: press “next step”" : explainEdge(src, dst);
      edit.appendChild(editor(`weight ${wname(src, dst)}`, e.weight, (v) => api.setWeight(src, dst, v)));
    }
  }
  function editor(label, value, set) {
    const box = document.createElement("div");
    box.className = "ng-editor";
    const id = `ng-${Math.random().toString(36).slice(2)}`;
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = label;
    const input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.id = id;
    input.value = String(value);
    const slider = document.createElement("input");
    slider.type = "range";
    slider.min = String(Math.min(-2, value * 2));
    slider.max = String(Math.max(2, value * 2));
    slider.step = "0.01";
    slider.value = String(value);
    slider.setAttribute("aria-label", `${label} slider`);
    input.addEventListener("change", () => { if (input.value !== "" && isFinite(+input.value)) set(+input.value); });
    slider.addEventListener("input", () => { set(+slider.value); input.value = slider.value; });
    box.append(lab, input, slider);
    return box;
  }

  // -- the API --------------------------------------------------------------------------------
  function finite(v, what) {
    if (typeof v !== "number" || !isFinite(v)) throw new TypeError(`${what} must be a finite number, got ${v}`);
    return v;
  }
  function changed() { compute(); repaint(); }
  const api = {
    state,
    setWeight(src, dst, value) {
      const k = key(src, dst);
      if (!(k in params.weights)) throw new RangeError(`no edge ${src} → ${dst} in this network`);
      params.weights[k] = finite(value, `weight ${wname(src, dst)}`);
      changed();
    },
    setBias(id, value) {
      if (!byId.has(id)) throw new RangeError(`no node ${id} in this network`);
      if (params.biases[id] === null) throw new RangeError(`node ${id} has no bias`);
      params.biases[id] = finite(value, `bias b_${id}`);
      changed();
    },
    setInput(id, value) {
      const i = inputs.findIndex((n) => n.id === id);
      if (i < 0) throw new RangeError(`node ${id} is not an input`);
      params.x[i] = finite(value, `input x_${id}`);
      changed();
    },
    setTarget(id, value) {
      const i = outputs.findIndex((n) => n.id === id);
      if (i < 0) throw new RangeError(`node ${id} is not an output`);
      if (params.t === null) params.t = outputs.map(() => 0);
      params.t[i] = finite(value, `target t_${id}`);
      if (phase === layerCount) phase = frameTotal;
      changed();
    },
    step(lr) {                                             // w ← w − η·∂C/∂w, b ← b − η·∂C/∂b
      finite(lr, "learning rate lr");
      if (params.t === null) throw new Error("step needs a target: setTarget first");
      nodes.forEach((n) => {
        n.in.forEach(([src]) => { params.weights[key(src, n.id)] -= lr * values.grad[key(src, n.id)]; });
        if (params.biases[n.id] !== null && n.layer > 0) params.biases[n.id] -= lr * values.bgrad[n.id];
      });
      changed();
    },
    reset() { params = initialParams(); phase = fullPhase(); stepping = false; changed(); },
    phase(k) {
      if (!Number.isInteger(k) || k < 0 || k > frameTotal) throw new RangeError(`phase must be 0…${frameTotal}`);
      phase = k;
      stepping = true;
      repaint();
      return state();
    },
    params: () => JSON.parse(JSON.stringify(params)),
  };

  // -- wiring -------------------------------------------------------------------------------
  svg.querySelectorAll("[data-node], [data-edge]").forEach((g) => {
    const sel = g.dataset.node !== undefined ? { node: Number(g.dataset.node) } : { edge: g.dataset.edge };
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", sel.node !== undefined ? `node ${sel.node}` : `edge ${sel.edge}`);
    g.addEventListener("mouseenter", () => showPanel(sel));
    g.addEventListener("click", () => showPanel(sel));
    g.addEventListener("focus", () => showPanel(sel));
  });
  root.querySelector(".ng-prev").addEventListener("click", () => api.phase(Math.max(0, phase - 1)));
  root.querySelector(".ng-next").addEventListener("click", () => api.phase(Math.min(frameTotal, phase + 1)));
  root.querySelector(".ng-step").addEventListener("click", () => {
    const lr = Number(root.querySelector(".ng-lr").value);
    try { api.step(lr); } catch (err) { root.querySelector(".ng-phase").textContent = String(err.message); }
  });
  root.querySelector(".ng-reset").addEventListener("click", () => api.reset());
  const samples = root.querySelector(".ng-samples");
  function sampleEditor(kind, list, set) {
    list.forEach((n, i) => {
      const v = kind === "x" ? params.x[i] : params.t === null ? 0 : params.t[i];
      if (data.drawn.includes(n.id)) samples.appendChild(editor(`${kind}_${n.id}`, v, (value) => set(n.id, value)));
    });
  }
  sampleEditor("x", inputs, api.setInput);
  sampleEditor("t", outputs, api.setTarget);
  compute();
  repaint();
  return api;
}
