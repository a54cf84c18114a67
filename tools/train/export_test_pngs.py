"""Writes the first N Fashion-MNIST TEST images as 28x28 grayscale PNGs plus labels.json, for the
worker's end-to-end accuracy test. Data: Debian's dataset-fashion-mnist (MIT licence, Zalando SE).
Usage: /usr/bin/python3 tools/train/export_test_pngs.py OUTDIR [N=200]"""
import gzip, json, os, sys
import numpy as np
from PIL import Image

D = '/usr/share/datasets/fashion-mnist'
LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    os.makedirs(out, exist_ok=True)
    with gzip.open(os.path.join(D, 't10k-images-idx3-ubyte.gz')) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(D, 't10k-labels-idx1-ubyte.gz')) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    items = []
    for i in range(n):
        name = 'test_%05d.png' % i
        Image.fromarray(x[i], 'L').save(os.path.join(out, name), optimize=True)
        items.append({'file': name, 'index': i, 'label': int(y[i]), 'name': LABELS[int(y[i])]})
    with open(os.path.join(out, 'labels.json'), 'w') as f:
        json.dump({'source': 'Fashion-MNIST test set (t10k), first %d images; Debian dataset-fashion-mnist; MIT licence, (c) Zalando SE' % n, 'labels': LABELS, 'images': items}, f, indent=1)

if __name__ == '__main__':
    main()
