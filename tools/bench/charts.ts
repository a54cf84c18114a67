/**
 * The bench's two SVG charts, written by hand (plain horizontal bar charts need no library):
 *   contenders.svg  median inference time per contender (bar) with its p10–p90 spread (whisker),
 *                   on a log axis (the scalar build and the WASM int8 anchor are 20× the fast ones)
 *   families.svg    GMAC/s of every MAC-carrying class of the SIMD128 engine's per-op profile and of
 *                   the whole network, against the dot-product peak measured in the same process
 */
import type { Report } from './report.ts';

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
  label: string;
  value: number;
  lo?: number;
  hi?: number;
  text: string;
  colour: string;
}

interface Axis {
  min: number;
  max: number;
  log: boolean;
  ticks: number[];
  unit: string;
}

function chart(title: string, subtitle: string, bars: Bar[], axis: Axis, marks: { at: number; label: string }[], footer: string): string {
  const W = 960,
    left = 290,
    right = 230,
    top = 84,
    rowH = 28,
    barH = 16;
  const plotW = W - left - right;
  const H = top + bars.length * rowH + 62;
  const x = (v: number) => {
    const t = axis.log ? (Math.log10(v) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min)) : (v - axis.min) / (axis.max - axis.min);
    return left + Math.max(0, Math.min(1, t)) * plotW;
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="24" font-size="16" font-weight="600" fill="#111">${esc(title)}</text>`);
  out.push(`<text x="16" y="44" fill="#555">${esc(subtitle)}</text>`);
  const bottom = top + bars.length * rowH;
  for (const t of axis.ticks) {
    const tx = x(t).toFixed(1);
    out.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${bottom}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${tx}" y="${bottom + 16}" text-anchor="middle" fill="#666">${t}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${bottom + 34}" text-anchor="middle" fill="#444">${esc(axis.unit)}</text>`);
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const x0 = axis.log ? x(axis.min) : x(0);
    out.push(`<text x="${left - 10}" y="${y + barH - 3}" text-anchor="end" fill="#222">${esc(b.label)}</text>`);
    out.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(1, x(b.value) - x0).toFixed(1)}" height="${barH}" fill="${b.colour}" rx="2"/>`);
    if (b.lo !== undefined && b.hi !== undefined) {
      const cy = y + barH / 2;
      out.push(`<line x1="${x(b.lo).toFixed(1)}" y1="${cy}" x2="${x(b.hi).toFixed(1)}" y2="${cy}" stroke="#222" stroke-width="1.5"/>`);
      for (const v of [b.lo, b.hi]) out.push(`<line x1="${x(v).toFixed(1)}" y1="${cy - 5}" x2="${x(v).toFixed(1)}" y2="${cy + 5}" stroke="#222" stroke-width="1.5"/>`);
    }
    const tx = Math.max(x(b.value), b.hi !== undefined ? x(b.hi) : 0) + 8;
    out.push(`<text x="${tx.toFixed(1)}" y="${y + barH - 3}" fill="#222">${esc(b.text)}</text>`);
  });
  for (const m of marks) {
    const mx = x(m.at).toFixed(1);
    out.push(`<line x1="${mx}" y1="${top - 10}" x2="${mx}" y2="${bottom}" stroke="#b00020" stroke-width="1.5" stroke-dasharray="5 3"/>`);
    out.push(`<text x="${mx}" y="${top - 14}" text-anchor="middle" fill="#b00020" font-size="12">${esc(m.label)}</text>`);
  }
  out.push(`<text x="16" y="${H - 10}" fill="#777" font-size="11">${esc(footer)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function footer(rep: Report): string {
  const m = rep.machine;
  return `npm run bench, ${rep.date.slice(0, 10)}, git ${m.git ?? '?'}: ${m.cpu} (${m.cores} cores), Node ${m.node}, load ${m.loadavg.join(' ')} before the run`;
}

const COLOURS: Record<string, string> = { edge: '#1f6feb', ortWeb: '#8250df', ortNode: '#d4a72c', torch: '#cf222e', other: '#6e7781' };

function colourOf(id: string): string {
  if (id.startsWith('edge-')) return COLOURS.edge;
  if (id.startsWith('ort-web')) return COLOURS.ortWeb;
  if (id.startsWith('ort-node')) return COLOURS.ortNode;
  if (id === 'torch') return COLOURS.torch;
  return COLOURS.other;
}

/** Median and p10–p90 of every contender, fastest first, log axis. */
export function contendersChart(rep: Report): string {
  const rows = [...rep.rows].sort((a, b) => a.summary.median - b.summary.median);
  const lo = Math.min(...rows.map((r) => r.summary.p10));
  const hi = Math.max(...rows.map((r) => r.summary.p90));
  const ticks = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000].filter((t) => t >= lo / 2 && t <= hi * 2);
  const axis: Axis = { min: Math.min(ticks[0] ?? lo, lo * 0.8), max: Math.max(ticks[ticks.length - 1] ?? hi, hi * 1.1), log: true, ticks, unit: 'milliseconds per inference (log scale)' };
  const node = rep.rows.find((r) => r.id === 'ort-node');
  const bars: Bar[] = rows.map((r) => ({
    label: r.id === 'edge-baseline' ? 'ghostnet-edge int8 simd128 (--baseline)' : r.label,
    value: r.summary.median,
    lo: r.summary.p10,
    hi: r.summary.p90,
    text: `${r.summary.median.toFixed(2)} ms` + (node && r.id !== 'ort-node' ? `  (${(r.summary.median / node.summary.median).toFixed(2)}× ORT-node)` : ''),
    colour: colourOf(r.id),
  }));
  const n = Math.max(...rows.map((r) => r.summary.n));
  return chart(
    `GhostNetV2-1.0, 224×224, batch 1, one thread: time per inference`,
    `bar = median, whisker = p10–p90 of ${n} interleaved samples per contender (same weights, same input)`,
    bars,
    axis,
    [],
    footer(rep),
  );
}

/** GMAC/s per class of the per-op profile (those that do MACs) and of the whole network, with the peak. */
export function familiesChart(rep: Report): string | null {
  const p = rep.profile;
  const peak = rep.peak?.gmacs;
  if (!p?.classes || !peak) return null;
  const classes = p.classes.filter((c) => c.gmacs !== null && c.macs > 0);
  const total = p.totalMacs / (p.totalMs * 1e6);
  const bars: Bar[] = classes.flatMap((c) => ({
    label: `${c.name} (${(c.macs / 1e6).toFixed(1)} MMAC)`,
    value: c.gmacs!,
    text: `${c.gmacs!.toFixed(1)} GMAC/s = ${((100 * c.gmacs!) / peak).toFixed(0)}%`,
    colour: c.name.startsWith('dw') ? '#2da44e' : c.name.startsWith('1×1') || c.name === 'stem' ? '#1f6feb' : '#6e7781',
  }));
  const dw = p.families.find((f) => f.family === 'depthwise');
  if (dw?.gmacs) {
    const at = bars.findIndex((b) => b.label.startsWith('dw ')) + classes.filter((c) => c.name.startsWith('dw ')).length;
    bars.splice(at, 0, {
      label: `depthwise, all ${dw.ops} layers (${(dw.macs / 1e6).toFixed(1)} MMAC)`,
      value: dw.gmacs,
      text: `${dw.gmacs.toFixed(1)} GMAC/s = ${((100 * dw.gmacs) / peak).toFixed(0)}%`,
      colour: '#116329',
    });
  }
  bars.push({ label: `whole network (${(p.totalMacs / 1e6).toFixed(0)} MMAC)`, value: total, text: `${total.toFixed(1)} GMAC/s = ${((100 * total) / peak).toFixed(0)}%`, colour: '#111' });
  const max = Math.ceil((peak * 1.08) / 5) * 5;
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += max > 60 ? 10 : 5) ticks.push(t);
  return chart(
    'ghostnet-edge SIMD128: throughput per kernel class against the dot-product peak',
    `GMAC/s = MACs ÷ Σ per-op medians (${p.runs} runs); peak = register-only i32x4.dot_i16x8_s chains in the same process`,
    bars,
    { min: 0, max, log: false, ticks, unit: 'GMAC/s (int8 multiply-accumulates per second)' },
    [{ at: peak, label: `peak ${peak.toFixed(1)}` }],
    footer(rep),
  );
}
