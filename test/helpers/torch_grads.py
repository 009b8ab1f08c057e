"""Independent oracle for gradients of an imported (residual-free) int8 network, in PyTorch (Debian
python3-torch), float64. Usage: /usr/bin/python3 torch_grads.py net.json out.json
net.json: input {h, w, c} and its quantization, convs [{depthwise, cin, cout, kh, kw, sh, sw, pad,
act, w (OHWI, depthwise [cout][kh][kw]), b, out {scale, zeroPoint}}], pool quantization,
fc {w [classes][cin], b, classes}, x (HWC floats), label.
out.json: {"fp32": grads, "fakeQuant": grads, "kinks": [per conv]}, grads = {loss, convs: [{dw, db}],
fc: {dw, db}} in the same layouts; kinks[i]: how many of conv i's pre-activations lie within 1e-6
of a ReLU / ReLU6 kink in the real network, where a float32 forward may fall on the other side. fp32: the network as real arithmetic (ReLU / ReLU6 / none). fakeQuant: every
tensor rounded to its int8 grid as the int8 forward stores it (input, each conv output, the pool),
with the straight-through gradient the paper's 1-bit clamp mask gives: passed where the rounded
value lies inside the activation's int8 range, blocked where it was clamped."""
import json, sys
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
net = json.load(open(sys.argv[1]))


class FakeQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, scale, zp, lo, hi):
        q = torch.round(z / scale) + zp
        ctx.save_for_backward((q >= lo) & (q <= hi))
        return scale * (q.clamp(lo, hi) - zp)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask, None, None, None, None


def q_range(act, q):
    lo, hi = -128, 127
    if act in ('relu', 'relu6'): lo = max(lo, q['zeroPoint'])
    if act == 'relu6': hi = min(hi, q['zeroPoint'] + round(6 / q['scale']))
    return lo, hi


kinks = []


def run(fake):
    i = net['input']
    h = torch.tensor(net['x'], dtype=torch.float64).reshape(1, i['h'], i['w'], i['c']).permute(0, 3, 1, 2)
    if fake:
        q = net['inputQ']; h = FakeQuant.apply(h, q['scale'], q['zeroPoint'], -128, 127)
    params = []
    for c in net['convs']:
        w = torch.tensor(c['w'], dtype=torch.float64)
        w = w.reshape(c['cout'], 1, c['kh'], c['kw']) if c['depthwise'] else w.reshape(c['cout'], c['kh'], c['kw'], c['cin']).permute(0, 3, 1, 2).contiguous()
        w.requires_grad_(True)
        b = torch.tensor(c['b'], dtype=torch.float64).requires_grad_(True)
        params.append((w, b))
        p = c['pad']
        z = F.conv2d(F.pad(h, (p['left'], p['right'], p['top'], p['bottom'])), w, b, stride=(c['sh'], c['sw']), groups=c['cin'] if c['depthwise'] else 1)
        if fake:
            lo, hi = q_range(c['act'], c['out'])
            h = FakeQuant.apply(z, c['out']['scale'], c['out']['zeroPoint'], lo, hi)
        else:
            at = [0.0] + ([6.0] if c['act'] == 'relu6' else []) if c['act'] != 'none' else []
            kinks.append(sum(int(((z - k).abs() < 1e-6).sum()) for k in at))
            h = F.relu(z) if c['act'] == 'relu' else F.relu6(z) if c['act'] == 'relu6' else z
    pool = h.mean((2, 3)).reshape(-1)
    if fake:
        q = net['pool']; pool = FakeQuant.apply(pool, q['scale'], q['zeroPoint'], -128, 127)
    fw = torch.tensor(net['fc']['w'], dtype=torch.float64).reshape(net['fc']['classes'], -1).requires_grad_(True)
    fb = torch.tensor(net['fc']['b'], dtype=torch.float64).requires_grad_(True)
    loss = -F.log_softmax(fw @ pool + fb, 0)[net['label']]
    loss.backward()
    convs = []
    for c, (w, b) in zip(net['convs'], params):
        g = w.grad.reshape(c['cout'], c['kh'], c['kw']) if c['depthwise'] else w.grad.permute(0, 2, 3, 1)
        convs.append({'dw': g.reshape(-1).tolist(), 'db': b.grad.tolist()})
    return {'loss': loss.item(), 'convs': convs, 'fc': {'dw': fw.grad.reshape(-1).tolist(), 'db': fb.grad.tolist()}}


fp32 = run(False)
json.dump({'fp32': fp32, 'fakeQuant': run(True), 'kinks': kinks}, open(sys.argv[2], 'w'))
