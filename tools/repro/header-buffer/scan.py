#!/usr/bin/env python3
"""scan.py PID [every-seconds]: kj's per-connection HTTP read buffers in a running workerd.

workerd's HTTP server (kj's HttpInputStreamImpl) reads each request's headers into a per-connection
`kj::Array<char> headerBuffer` ({ptr, size, disposer}: 24 bytes). This finds every such triple in the
process's anonymous read-write memory (read through /proc/PID/mem, which does not stop the process)
whose ptr points at a page-aligned HTTP request line (tcmalloc places every large allocation on a page boundary; a small buffer may be missed) and whose size is 4 KiB times a power of two,
keeps those sharing the most common disposer (kj's HeapArrayDisposer), and prints their sizes; with
`every`, re-reads the same fields every so many seconds (and rescans every 40 s) until the process
exits. Needs the right to read the process's memory (same user, ptrace scope 0, or root)."""
import array, collections, json, re, struct, sys, time

SIZES = {4096 << k for k in range(14)}
REQUEST = re.compile(rb'(GET|POST|HEAD|PUT|PATCH|OPTIONS|DELETE) ')


def rss(pid):
    return int(re.search(r'VmRSS:\s+(\d+)', open(f'/proc/{pid}/status').read())[1]) / 1024


def scan(pid, mem):
    def read(a, n):
        try:
            mem.seek(a)
            return mem.read(n)
        except (OSError, OverflowError):
            return None
    found = {}
    for line in open(f'/proc/{pid}/maps'):
        f = line.split()
        s, e = (int(x, 16) for x in f[0].split('-'))
        if len(f) > 5 or f[1] != 'rw-p' or e - s < (1 << 20):
            continue
        b = read(s, e - s)
        if not b:
            continue
        q = array.array('Q')
        q.frombytes(b[: len(b) // 8 * 8])
        for i in range(len(q) - 2):
            if q[i + 1] in SIZES and 0x10000 < q[i] < (1 << 47) and q[i] % 4096 == 0:
                head = read(q[i], 8)
                if head and REQUEST.match(head + b'  '):
                    found[s + 8 * i] = q[i + 2]
    if not found:
        return {}, None
    disposer = collections.Counter(found.values()).most_common(1)[0][0]
    return {a for a, d in found.items() if d == disposer}, disposer


def main():
    pid = int(sys.argv[1])
    every = float(sys.argv[2]) if len(sys.argv) > 2 else 0
    t0 = time.time()
    with open(f'/proc/{pid}/mem', 'rb', 0) as mem:
        fields, disposer = scan(pid, mem)
        scanned = time.time()
        while True:
            sizes = []
            for a in sorted(fields):
                try:
                    mem.seek(a)
                    _, size, d = struct.unpack('QQQ', mem.read(24))
                except OSError:
                    return
                if d == disposer and size in SIZES:
                    sizes.append(size)
            print(json.dumps({'t': round(time.time() - t0, 1), 'rssMiB': round(rss(pid), 1), 'buffers': len(sizes),
                              'totalMiB': round(sum(sizes) / 1048576, 1), 'sizesKiB': sorted(s // 1024 for s in sizes)}), flush=True)
            if not every:
                return
            time.sleep(every)
            if time.time() - scanned > 40:
                fields, disposer = scan(pid, mem)
                scanned = time.time()


main()
