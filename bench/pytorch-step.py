# PyTorch's training step on the same network, for bench/host-train.bench.ts: fp32, CPU, one
# thread, batch 1, the same sparse update (biases of the trained convs, weights of the first k
# input channels of the chosen convs, the classifier), plain SGD. Reads the network and its
# parameters as the benchmark writes them (a JSON description + one float32 file, TinyTrain's
# layouts: conv OHWI, depthwise CHW, classifier [classes][cin]) and prints one JSON line:
# {"msPerStep": median, "runs": [...], "torch": version, "threads": 1}.
# Run with Debian's /usr/bin/python3 (python3-torch).
import json, sys, time
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
spec = json.load(open(sys.argv[1]))
flat = np.fromfile(spec['weights'], dtype=np.float32)
off = 0
def take(n):
    global off
    a = flat[off:off + n]
    off += n
    return a

convs = []
for c in spec['convs']:
    kh, kw, cin, cout = c['kh'], c['kw'], c['cin'], c['cout']
    if c['depthwise']:
        w = torch.tensor(take(cout * kh * kw).reshape(cout, 1, kh, kw))
    else:
        w = torch.tensor(take(cout * kh * kw * cin).reshape(cout, kh, kw, cin)).permute(0, 3, 1, 2).contiguous()
    b = torch.tensor(take(cout))
    ratio_k = c['trainK']
    w.requires_grad_(ratio_k > 0)
    b.requires_grad_(bool(c['trainBias']))
    convs.append({**c, 'w': w, 'b': b})
fc_w = torch.tensor(take(spec['classes'] * spec['featureC']).reshape(spec['classes'], spec['featureC'])).requires_grad_(spec['classifierTrains'])
fc_b = torch.tensor(take(spec['classes'])).requires_grad_(spec['classifierTrains'])
assert off == flat.size, (off, flat.size)

def conv(c, x):
    top, left, bottom, right = c['pad']
    if top or left or bottom or right:
        x = F.pad(x, (left, right, top, bottom))
    y = F.conv2d(x, c['w'], c['b'], stride=(c['sh'], c['sw']), groups=c['cin'] if c['depthwise'] else 1)
    return F.relu6(y) if c['relu6'] else y

def forward(x):
    for blk in spec['blocks']:
        inp = x
        for i in blk['convs']:
            x = conv(convs[i], x)
        if blk['residual']:
            x = x + inp
    x = x.mean(dim=(2, 3))
    return F.linear(x, fc_w, fc_b)

params = [p for c in convs for p in (c['w'], c['b']) if p.requires_grad] + ([fc_w, fc_b] if spec['classifierTrains'] else [])
lr = spec['lr']

def step(x, label):
    logits = forward(x)
    loss = F.cross_entropy(logits, label)
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        gi = iter(grads)
        for c in convs:
            if c['w'].requires_grad:
                g = next(gi)
                k = c['trainK']
                if c['depthwise']:
                    c['w'][:k] -= lr * g[:k]
                else:
                    c['w'][:, :k] -= lr * g[:, :k]
            if c['b'].requires_grad:
                c['b'].sub_(lr * next(gi))
        if spec['classifierTrains']:
            fc_w.sub_(lr * next(gi)); fc_b.sub_(lr * next(gi))
    return loss.item()

h, w, ch = spec['input']
gen = torch.Generator().manual_seed(1)
xs = [torch.rand(1, ch, h, w, generator=gen) for _ in range(4)]
labels = [torch.tensor([i % spec['classes']]) for i in range(4)]
for i in range(3):
    step(xs[i % 4], labels[i % 4])  # warm-up
runs = []
for r in range(spec['repeats']):
    t0 = time.perf_counter()
    for i in range(spec['steps']):
        step(xs[i % 4], labels[i % 4])
    runs.append((time.perf_counter() - t0) / spec['steps'] * 1000)
runs_sorted = sorted(runs)
print(json.dumps({'msPerStep': runs_sorted[len(runs) // 2], 'runs': runs, 'torch': torch.__version__, 'threads': torch.get_num_threads()}))
