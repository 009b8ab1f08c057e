#!/usr/bin/python3
"""Peak memory of a desktop framework training a network the way TinyTrain does: PyTorch (Debian
python3-torch, CPU, one thread), batch 1, fp32, SGD, with the same sparse update (biases of the
last n convs, weights of the listed convs; a ratio below 1 trains that conv's whole weight here,
as a framework has no partial-channel update). Reads a TinyTrain config (the subset the examples
use: conv / mbconv layers, train.update). Prints one JSON object: peak RSS of the training process
(ru_maxrss) after `steps` steps, and the RSS right after `import torch` for reference.

usage: /usr/bin/python3 bench/pytorch_memory.py <config.tinytrain.yaml> [steps]
"""
import json
import re
import resource
import sys
import time


def rss_bytes():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def read_config(path):
    """The layers, input, classes and update scheme of a config, by line (no YAML library needed)."""
    text = open(path).read()
    layers = []
    for m in re.finditer(r"-\s*(conv|mbconv):\s*\{([^}]*)\}", text):
        fields = dict((k.strip(), int(v)) for k, v in (p.split(":") for p in m.group(2).split(",")))
        layers.append((m.group(1), fields))
    inp = [int(x) for x in re.search(r"input:\s*\[([^\]]*)\]", text).group(1).split(",")]
    classes = int(re.search(r"classes:\s*(\d+)", text).group(1))
    biases = int(re.search(r"biases:\s*(\d+)", text).group(1))
    weights = {}
    wblock = re.search(r"weights:[^\n]*\n((?:\s+\d+:\s*[\d/.]+[^\n]*\n?)*)", text)
    if wblock:
        for m in re.finditer(r"(\d+):\s*([\d/.]+)", wblock.group(1)):
            weights[int(m.group(1))] = m.group(2)
    return inp, classes, layers, biases, weights


def main():
    path = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rss_start = rss_bytes()
    import torch
    import torch.nn as nn
    torch.set_num_threads(1)
    rss_import = rss_bytes()

    (h, w, c), classes, layers, biases, weights = read_config(path)
    convs = []  # every backbone conv, in the contract's numbering

    def conv(cin, cout, k, s, groups=1):
        m = nn.Conv2d(cin, cout, k, s, (k - 1) // 2, groups=groups, bias=True)
        convs.append(m)
        return m

    class MBConv(nn.Module):
        def __init__(self, cin, out, k, e, s):
            super().__init__()
            mid = cin * e
            self.pw1 = nn.Sequential(conv(cin, mid, 1, 1), nn.ReLU6()) if e != 1 else nn.Identity()
            self.dw = nn.Sequential(conv(mid, mid, k, s, groups=mid), nn.ReLU6())
            self.pw2 = conv(mid, out, 1, 1)
            self.residual = s == 1 and cin == out

        def forward(self, x):
            y = self.pw2(self.dw(self.pw1(x)))
            return x + y if self.residual else y

    mods = []
    ch = c
    for kind, f in layers:
        if kind == "conv":
            mods += [conv(ch, f["out"], f["kernel"], f.get("stride", 1)), nn.ReLU6()]
        else:
            mods.append(MBConv(ch, f["out"], f["kernel"], f["expand"], f.get("stride", 1)))
        ch = f["out"]
    model = nn.Sequential(*mods, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(ch, classes))

    for p in model.parameters():
        p.requires_grad_(False)
    for m in convs[len(convs) - biases:]:
        m.bias.requires_grad_(True)
    for i in weights:
        convs[i].weight.requires_grad_(True)
    for p in model[-1].parameters():
        p.requires_grad_(True)
    trained = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(trained, lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    t0 = time.time()
    for _ in range(steps):
        x = torch.randn(1, c, h, w, generator=g)
        y = torch.randint(0, classes, (1,), generator=g)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "steps": steps, "batch": 1,
        "trainedParams": sum(p.numel() for p in trained), "params": sum(p.numel() for p in model.parameters()),
        "peakRssBytes": rss_bytes(), "rssAfterImportBytes": rss_import, "rssBeforeImportBytes": rss_start,
        "secondsPerStep": round((time.time() - t0) / steps, 4),
    }))


if __name__ == "__main__":
    main()
