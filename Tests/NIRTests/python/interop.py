"""The reference NIR package's side of hm2bp's NIR tests (run by NIRTests through run.sh).

  interop.py write DIR           write graphs with `nir` into DIR, and DIR/expected.json with the
                                 hm2bp parameters docs/nir.md says each must import as
  interop.py check FILE JSON     read FILE with nir.read and compare it with the expectations
                                 in JSON (written by the Swift test from the exported model)
"""
import json
import sys

import numpy as np
import nir


def snntorch_style(directory):
    """Input(4) -> Affine -> CubaLIF -> Linear -> CubaLIF -> Output, parameters as snnTorch
    writes them (r = tau_mem/dt, w_in = tau_syn/dt), float32 like a torch export."""
    rng = np.random.default_rng(5)
    dt, tau_mem, tau_syn = 1e-3, 16e-3, 4e-3
    w1 = rng.normal(0, 0.5, (3, 4)).astype(np.float32)
    w2 = rng.normal(0, 0.5, (2, 3)).astype(np.float32)

    def cuba(n, threshold):
        f = lambda v: np.full(n, v, dtype=np.float32)
        return nir.CubaLIF(tau_syn=f(tau_syn), tau_mem=f(tau_mem), r=f(tau_mem / dt), v_leak=f(0),
                           v_threshold=threshold.astype(np.float32), v_reset=f(0), w_in=f(tau_syn / dt))

    thresholds = np.array([1.0, 1.0, 2.0], dtype=np.float32)
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([4])),
               "fc1": nir.Affine(weight=w1, bias=np.zeros(3, dtype=np.float32)),
               "lif1": cuba(3, thresholds),
               "fc2": nir.Linear(weight=w2),
               "lif2": cuba(2, np.array([0.5, 0.5], dtype=np.float32)),
               "output": nir.Output(output_type=np.array([2]))},
        edges=[("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")])
    nir.write(f"{directory}/snntorch_style.nir", graph)
    # hm2bp: tauM = tau_mem/dt, tauS = tau_syn/dt; w_h[j, i] = W[i, j] * r * w_in / tauM, and
    # neurons with another threshold than the layer's (the first neuron's) scaled by that ratio.
    tau_m, tau_s = tau_mem / dt, tau_syn / dt
    gain = (tau_mem / dt) * (tau_syn / dt) / tau_m
    fold1 = thresholds[0] / thresholds.astype(np.float64)
    layer1 = (w1.astype(np.float64) * gain * fold1[:, None]).T  # (inputs, outputs) = pre-major
    layer2 = (w2.astype(np.float64) * gain).T
    return {"file": "snntorch_style.nir", "dt": dt, "tauM": tau_m, "tauS": tau_s,
            "thresholds": [float(thresholds[0]), 0.5], "architecture": [4, 3, 2],
            "weights": [layer1.ravel().tolist(), layer2.ravel().tolist()]}


def lif_with_scale(directory):
    """Input(1x2x2) -> Flatten -> Linear -> Scale -> LIF -> Output (Norse-style LIF, r = 1)."""
    dt, tau = 5e-4, 10e-3
    w = np.arange(12, dtype=np.float64).reshape(3, 4) / 10 - 0.5
    scale = np.array([1.0, -2.0, 0.5])
    n = 3
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([1, 2, 2])),
               "flatten": nir.Flatten(input_type={"input": np.array([1, 2, 2])}, start_dim=0, end_dim=-1),
               "linear": nir.Linear(weight=w),
               "scale": nir.Scale(scale=scale),
               "lif": nir.LIF(tau=np.full(n, tau), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 0.25), v_reset=np.zeros(n)),
               "output": nir.Output(output_type=np.array([n]))},
        edges=[("input", "flatten"), ("flatten", "linear"), ("linear", "scale"), ("scale", "lif"), ("lif", "output")],
        type_check=False)
    nir.write(f"{directory}/lif_scale.nir", graph)
    tau_m = tau / dt
    layer = (w * scale[:, None] / tau_m).T
    return {"file": "lif_scale.nir", "dt": dt, "tauM": tau_m, "tauS": 1.0, "thresholds": [0.25],
            "architecture": [4, 3], "weights": [layer.ravel().tolist()]}


def cnn_style(directory):
    """Input(2x6x6) -> Conv2d -> CubaLIF -> AvgPool2d -> CubaLIF -> Flatten -> Linear -> CubaLIF
    -> Output: a spiking CNN as snnTorch writes one (r = tau_mem/dt, w_in = tau_syn/dt, float32,
    neuron parameters shaped like the maps they receive)."""
    rng = np.random.default_rng(8)
    dt, tau_mem, tau_syn = 1e-3, 32e-3, 8e-3
    conv_w = rng.normal(0, 0.5, (3, 2, 3, 3)).astype(np.float32)
    fc_w = rng.normal(0, 0.5, (5, 12)).astype(np.float32)

    def cuba(shape, threshold):
        f = lambda v: np.full(shape, v, dtype=np.float32)
        return nir.CubaLIF(tau_syn=f(tau_syn), tau_mem=f(tau_mem), r=f(tau_mem / dt), v_leak=f(0),
                           v_threshold=f(threshold), v_reset=f(0), w_in=f(tau_syn / dt))

    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([2, 6, 6])),
               "conv": nir.Conv2d(input_shape=(6, 6), weight=conv_w, stride=1, padding=0, dilation=1, groups=1,
                                  bias=np.zeros(3, dtype=np.float32)),
               "lif_conv": cuba((3, 4, 4), 1.0),
               "pool": nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
               "lif_pool": cuba((3, 2, 2), 0.5),
               "flatten": nir.Flatten(input_type={"input": np.array([3, 2, 2])}, start_dim=0, end_dim=-1),
               "fc": nir.Linear(weight=fc_w),
               "lif_fc": cuba((5,), 2.0),
               "output": nir.Output(output_type=np.array([5]))},
        edges=[("input", "conv"), ("conv", "lif_conv"), ("lif_conv", "pool"), ("pool", "lif_pool"), ("lif_pool", "flatten"),
               ("flatten", "fc"), ("fc", "lif_fc"), ("lif_fc", "output")])
    nir.write(f"{directory}/cnn_style.nir", graph)
    # hm2bp: gain r * w_in / tauM = tau_syn/dt; conv weight (a, c, p, q) is hm2bp's kernel a,
    # channel c, row p, column q (same flat order) times the gain; the pool's window weight 1/P^2
    # and the gain go into its threshold: v_threshold * P^2 / gain; Flatten is channel-major.
    tau_m, tau_s = tau_mem / dt, tau_syn / dt
    gain = (tau_mem / dt) * (tau_syn / dt) / tau_m
    return {"file": "cnn_style.nir", "dt": dt, "tauM": tau_m, "tauS": tau_s, "thresholds": [2.0],
            "architecture": [72, 48, 12, 5], "architectureName": "6x6x2-3C3-P2-5",
            "spatial": [{"threshold": 1.0, "weights": (conv_w.astype(np.float64) * gain).ravel().tolist()},
                        {"threshold": 0.5 * 4 / gain, "weights": []}],
            "weights": [(fc_w.astype(np.float64) * gain).T.ravel().tolist()]}


def refused(directory):
    """Padded convolution, overlapping pooling, a bias, a leak and a recurrent connection: all
    must be named."""
    n = 4
    lif = lambda leak: nir.LIF(tau=np.full(n, 1e-2), r=np.ones(n), v_leak=np.full(n, leak), v_threshold=np.ones(n))
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([1, 4, 4])),
               "conv": nir.Conv2d(input_shape=(4, 4), weight=np.ones((1, 1, 3, 3)), stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(1)),
               "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([1, 1]), padding=np.array([0, 0])),
               "flatten": nir.Flatten(input_type={"input": np.array([1, 2, 2])}, start_dim=0),
               "fc": nir.Affine(weight=np.eye(n), bias=np.full(n, 0.1)),
               "lif": lif(0.3),
               "recurrent": nir.Linear(weight=-np.ones((n, n))),
               "output": nir.Output(output_type=np.array([n]))},
        edges=[("input", "conv"), ("conv", "pool"), ("pool", "flatten"), ("flatten", "fc"), ("fc", "lif"),
               ("lif", "recurrent"), ("recurrent", "lif"), ("lif", "output")],
        type_check=False)
    nir.write(f"{directory}/refused.nir", graph)
    return {"file": "refused.nir", "refusedNodes": ["conv", "pool", "fc", "lif"]}


def write(directory):
    graphs = [snntorch_style(directory), lif_with_scale(directory), cnn_style(directory), refused(directory)]
    with open(f"{directory}/expected.json", "w") as f:
        json.dump({"nirVersion": nir.version, "graphs": graphs}, f)


def check(path, expected_path):
    with open(expected_path) as f:
        expected = json.load(f)
    graph = nir.read(path)
    problems = []
    kinds = {name: type(node).__name__ for name, node in graph.nodes.items()}
    if kinds != expected["types"]:
        problems.append(f"node types {kinds} != {expected['types']}")
    if sorted(graph.edges) != sorted(tuple(e) for e in expected["edges"]):
        problems.append(f"edges {graph.edges} != {expected['edges']}")
    for name, fields in expected["values"].items():
        node = graph.nodes[name]
        for field, want in fields.items():
            have = np.asarray(getattr(node, field))
            want = np.asarray(want, dtype=np.float64)
            if have.shape != want.shape:
                problems.append(f"{name}.{field}: shape {have.shape} != {want.shape}")
            elif not np.allclose(have, want, rtol=0, atol=1e-12):
                problems.append(f"{name}.{field}: values differ by {np.max(np.abs(have - want))}")
    if graph.nodes["input"].input_type["input"].tolist() != expected["inputShape"]:
        problems.append(f"input shape {graph.nodes['input'].input_type['input']}")
    for key, want in expected["metadata"].items():
        have = graph.metadata.get(key)
        have = have.decode() if isinstance(have, bytes) else have
        if have != want:
            problems.append(f"metadata {key}: {have!r} != {want!r}")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"nir {nir.version} read {path}: {len(graph.nodes)} nodes, {len(graph.edges)} edges, all values as expected")


if __name__ == "__main__":
    if sys.argv[1:2] == ["write"]:
        write(sys.argv[2])
    elif sys.argv[1:2] == ["check"]:
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
