/** `ghostnet-edge info`: a model file in a dozen lines (the full header is `--json`, the tensor list `--tensors`). */
import type { ModelFile } from '../../worker/model/format.ts';

const nums = (v: readonly number[]) => (v.every((x) => x === v[0]) ? String(+v[0].toFixed(4)) : v.map((x) => +x.toFixed(4)).join(','));

export function modelSummary(m: ModelFile, fileBytes: number): string {
  const h = m.header;
  const p = h.preprocessing;
  const q = h.quantization as { scheme?: string; calibration?: { method?: string; images?: number } } | null;
  const cal = q?.calibration;
  const precision =
    h.precision === 'int8'
      ? `int8${q?.scheme ? ` (${q.scheme})` : ''}, ${cal?.method === 'bn-stats' ? 'data-free ranges (BatchNorm statistics)' : `calibrated on ${cal?.images ?? '?'} images (${cal?.method ?? '?'})`}`
      : 'float32';
  const labels = h.labels.length <= 10 ? h.labels.join(', ') : `${h.labels.slice(0, 5).join(', ')}, … (${h.labels.length})`;
  const pv = h.provenance;
  const lines = [
    `${h.name}: GhostNetV2 width ${h.architecture.width}, ${h.architecture.num_classes} classes, feature dim ${h.architecture.feature_dim}`,
    `  precision   ${precision}`,
    `  input       ${p.input_size}x${p.input_size} ${p.grayscale ? 'grayscale' : 'RGB'}, crop_pct ${p.crop_pct}, ${p.interpolation}, mean ${nums(p.mean)}, std ${nums(p.std)}`,
    `  labels      ${labels}`,
    `  source      ${pv.source} (sha256 ${String(pv.source_sha256).slice(0, 12)}…), ${pv.converter}, ${pv.created}`,
    `  file        ${(fileBytes / 1e6).toFixed(1)} MB, ${h.tensors.length} tensors, sha256 ${m.sha256}`,
    '  (--tensors lists the tensors, --json prints the whole header)',
  ];
  return lines.join('\n') + '\n';
}
