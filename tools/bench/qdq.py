"""
Static int8 QDQ quantization of an ONNX model, made the way onnxruntime's
quantize_static(quant_format=QDQ, per_channel=True, activation_type=QUInt8, weight_type=QInt8,
calibrate_method=MinMax) makes it. ORT's Python package is not installable here (Debian has
python3-onnx, not onnxruntime), so this restates what that tool does for the operators of
GhostNetV2; the calibration itself runs in onnxruntime-node (tools/bench/qdq.ts).

  python3 qdq.py outputs IN.onnx OUT.onnx          IN plus every activation to calibrate as a graph output
  python3 qdq.py tensors IN.onnx                   print those activation names, one per line
  python3 qdq.py quantize IN.onnx RANGES.json OUT.onnx

What it does, as ORT's QDQ quantizer does:
- Quantized operators (ORT's QLinearOps ∪ QDQ registries, those in this graph): Conv, Gemm, Add,
  Mul, Sigmoid, AveragePool, GlobalAveragePool, Concat, Resize (its data input), and Relu / Clip,
  which are *removed* when they follow a quantized tensor used by nothing else: their clamp is
  the output's uint8 range (ORT's QDQRemovableActivation). Div (the hard-sigmoid's /6), Pad,
  Flatten and the shape arithmetic stay float.
- Every activation input and output of a quantized operator gets one QuantizeLinear ->
  DequantizeLinear pair (uint8, asymmetric): the range is [min(0, min), max(0, max)] over the
  calibration images, scale = (max - min) / 255, zero point = round(-min / scale) (scale 1, zero
  point 0 for an all-zero tensor).
- Conv and Gemm weights: int8 per output channel, symmetric, scale = max|w| / 127, values in
  [-127, 127], zero point 0, stored quantized with a DequantizeLinear (axis 0). Biases: int32,
  scale = s_input * s_weight[c], zero point 0, also stored quantized. Constant inputs of Add/Mul
  (the hard-sigmoid's +3): uint8 per tensor like activations.
Rounding is numpy's round (half to even), as ORT's quantize_data.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QUANTIZED = {'Conv', 'Gemm', 'Add', 'Mul', 'Sigmoid', 'AveragePool', 'GlobalAveragePool', 'Concat', 'Resize'}
REMOVABLE = {'Relu', 'Clip'}


def data_inputs(node):
    """The inputs of a quantized node that carry activations (or constants quantized like them)."""
    if node.op_type in ('Conv', 'Gemm'):
        return [node.input[0]]
    if node.op_type == 'Resize':
        return [node.input[0]]
    return [i for i in node.input if i]


class Graph:
    def __init__(self, model):
        self.model = model
        self.g = model.graph
        self.inits = {t.name: t for t in self.g.initializer}
        self.outputs = {o.name for o in self.g.output}

    def consumers(self, name):
        return [n for n in self.g.node if name in n.input]

    def producer(self, name):
        for n in self.g.node:
            if name in n.output:
                return n
        return None

    def is_float_activation(self, name):
        if name in self.inits:
            return False
        for n in self.g.node:  # Constant nodes are folded away by ORT's basic optimization, but be safe
            if name in n.output and n.op_type == 'Constant':
                return False
        return True


def remove_activations(G):
    """ORT's QDQRemovableActivation: drop Relu/Clip whose input comes from a quantized op and feeds only them."""
    removed = True
    while removed:
        removed = False
        for node in list(G.g.node):
            if node.op_type not in REMOVABLE:
                continue
            src = node.input[0]
            prod = G.producer(src)
            if prod is None or prod.op_type not in QUANTIZED or len(G.consumers(src)) != 1 or src in G.outputs:
                continue
            out = node.output[0]
            prod.output[list(prod.output).index(src)] = out
            G.g.node.remove(node)
            removed = True


def activations_to_quantize(G):
    names = []
    seen = set()
    for node in G.g.node:
        if node.op_type not in QUANTIZED:
            continue
        for t in data_inputs(node) + list(node.output):
            if t and t not in seen and (G.is_float_activation(t) or (t in G.inits and node.op_type in ('Add', 'Mul'))):
                seen.add(t)
                names.append(t)
    return names


def add_outputs(model, names):
    have = {o.name for o in model.graph.output}
    for n in names:
        if n not in have and n not in {t.name for t in model.graph.initializer}:
            model.graph.output.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, None))


def uint8_params(lo, hi):
    lo, hi = min(0.0, float(lo)), max(0.0, float(hi))
    if hi == lo:
        return np.float32(1.0), np.uint8(0)
    scale = np.float32((hi - lo) / 255.0)
    zp = int(np.clip(np.round(-lo / float(scale)), 0, 255))
    return scale, np.uint8(zp)


def quantize(model, ranges):
    G = Graph(model)
    remove_activations(G)
    acts = activations_to_quantize(G)
    new_nodes, new_inits = [], []
    act_scale = {}

    # Activations (and Add/Mul constants): one Q -> DQ pair per tensor, consumers rewired to the DQ output.
    for t in acts:
        if t in G.inits:
            v = numpy_helper.to_array(G.inits[t]).astype(np.float32)
            lo, hi = float(v.min()), float(v.max())
        else:
            if t not in ranges:
                raise SystemExit(f'qdq.py: no calibration range for {t}')
            lo, hi = ranges[t]
        scale, zp = uint8_params(lo, hi)
        act_scale[t] = scale
        s_name, z_name = f'{t}_scale', f'{t}_zero_point'
        new_inits += [numpy_helper.from_array(np.array(scale, dtype=np.float32), s_name), numpy_helper.from_array(np.array(zp, dtype=np.uint8), z_name)]
        q, dq = f'{t}_QuantizeLinear_Output', f'{t}_DequantizeLinear_Output'
        if t in G.outputs:
            # keep the graph output's name on the dequantized value
            src = f'{t}_pre_quant'
            prod = G.producer(t)
            prod.output[list(prod.output).index(t)] = src
            new_nodes.append(helper.make_node('QuantizeLinear', [src, s_name, z_name], [q], name=f'{t}_QuantizeLinear'))
            new_nodes.append(helper.make_node('DequantizeLinear', [q, s_name, z_name], [t], name=f'{t}_DequantizeLinear'))
            continue
        for c in G.consumers(t):
            for i, name in enumerate(c.input):
                if name == t:
                    c.input[i] = dq
        new_nodes.append(helper.make_node('QuantizeLinear', [t, s_name, z_name], [q], name=f'{t}_QuantizeLinear'))
        new_nodes.append(helper.make_node('DequantizeLinear', [q, s_name, z_name], [dq], name=f'{t}_DequantizeLinear'))

    # Conv / Gemm weights per output channel (int8 symmetric) and biases (int32, s_in * s_w).
    for node in G.g.node:
        if node.op_type not in ('Conv', 'Gemm'):
            continue
        w_name = node.input[1]
        w = numpy_helper.to_array(G.inits[w_name]).astype(np.float32)
        axis = 0
        if node.op_type == 'Gemm' and not any(a.name == 'transB' and a.i == 1 for a in node.attribute):
            axis = 1
        wc = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
        absmax = np.abs(wc).max(axis=1)
        s_w = np.where(absmax > 0, absmax / 127.0, 1.0).astype(np.float32)
        shape = [1] * w.ndim
        shape[axis] = -1
        wq = np.clip(np.round(w / s_w.reshape(shape)), -127, 127).astype(np.int8)
        new_inits += [numpy_helper.from_array(wq, f'{w_name}_quantized'), numpy_helper.from_array(s_w, f'{w_name}_scale'),
                      numpy_helper.from_array(np.zeros(len(s_w), dtype=np.int8), f'{w_name}_zero_point')]
        new_nodes.append(helper.make_node('DequantizeLinear', [f'{w_name}_quantized', f'{w_name}_scale', f'{w_name}_zero_point'], [f'{w_name}_DequantizeLinear_Output'], name=f'{w_name}_DequantizeLinear', axis=axis))
        node.input[1] = f'{w_name}_DequantizeLinear_Output'
        if len(node.input) > 2 and node.input[2]:
            b_name = node.input[2]
            b = numpy_helper.to_array(G.inits[b_name]).astype(np.float32)
            s_in = act_scale[node.input[0].replace('_DequantizeLinear_Output', '')]
            s_b = (np.float32(s_in) * s_w).astype(np.float32)
            bq = np.round(b / s_b).astype(np.int32)
            new_inits += [numpy_helper.from_array(bq, f'{b_name}_quantized'), numpy_helper.from_array(s_b, f'{b_name}_scale'),
                          numpy_helper.from_array(np.zeros(len(s_b), dtype=np.int32), f'{b_name}_zero_point')]
            new_nodes.append(helper.make_node('DequantizeLinear', [f'{b_name}_quantized', f'{b_name}_scale', f'{b_name}_zero_point'], [f'{b_name}_DequantizeLinear_Output'], name=f'{b_name}_DequantizeLinear', axis=0))
            node.input[2] = f'{b_name}_DequantizeLinear_Output'

    # Drop the float initializers that are now stored quantized; topologically sort.
    used = {i for n in list(G.g.node) + new_nodes for i in n.input}
    keep = [t for t in G.g.initializer if t.name in used]
    del G.g.initializer[:]
    G.g.initializer.extend(keep + new_inits)
    nodes = list(G.g.node) + new_nodes
    del G.g.node[:]
    G.g.node.extend(toposort(nodes, {i.name for i in G.g.input} | {t.name for t in G.g.initializer}))
    return model


def toposort(nodes, available):
    avail = set(available)
    out, pending = [], list(nodes)
    while pending:
        progress = False
        for n in list(pending):
            if all((not i) or i in avail for i in n.input):
                out.append(n)
                avail.update(n.output)
                pending.remove(n)
                progress = True
        if not progress:
            raise SystemExit(f'qdq.py: graph is not a DAG or has a missing input near {pending[0].name} {list(pending[0].input)}')
    return out


def main(argv):
    if len(argv) >= 3 and argv[0] in ('outputs', 'tensors'):
        model = onnx.load(argv[1])
        G = Graph(model)
        remove_activations(G)
        names = [t for t in activations_to_quantize(G) if t not in G.inits]
        if argv[0] == 'tensors':
            print('\n'.join(names))
            return 0
        model = onnx.load(argv[1])  # the unmodified graph (Relu/Clip kept), so each name is its final value
        add_outputs(model, names)
        onnx.save(model, argv[2])
        return 0
    if len(argv) == 4 and argv[0] == 'quantize':
        model = onnx.load(argv[1])
        with open(argv[2]) as f:
            ranges = json.load(f)
        onnx.save(quantize(model, ranges), argv[3])
        onnx.checker.check_model(argv[3])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
