// A bar chart as an SVG string, drawn on the server: no script, no style attribute (the admin's
// strict CSP), colours as SVG attributes. Every text is escaped. Bars scale to the largest value;
// the first and last day are labelled under the axis, the largest value at the top.
export interface Bar {
  label: string;
  value: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function barChartSvg(bars: Bar[], opts: { title: string; color?: string; width?: number; height?: number }): string {
  const width = opts.width ?? 600;
  const height = opts.height ?? 160;
  const left = 40;
  const bottom = 20;
  const top = 10;
  const plotW = width - left - 4;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const step = bars.length ? plotW / bars.length : plotW;
  const gap = step > 4 ? 1 : 0;
  const rects = bars.map((b, i) => {
    const h = (b.value / max) * plotH;
    const x = left + i * step;
    return `<rect x="${x.toFixed(2)}" y="${(top + plotH - h).toFixed(2)}" width="${Math.max(step - gap, 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="${opts.color ?? '#0d6efd'}"><title>${esc(`${b.label}: ${b.value}`)}</title></rect>`;
  });
  const first = bars[0]?.label ?? '';
  const last = bars[bars.length - 1]?.label ?? '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(opts.title)}">`,
    `<title>${esc(opts.title)}</title>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${width - 4}" y2="${top + plotH}" stroke="#adb5bd" stroke-width="1"/>`,
    `<text x="${left - 4}" y="${top + 8}" text-anchor="end" font-size="10" fill="#6c757d">${max}</text>`,
    `<text x="${left - 4}" y="${top + plotH}" text-anchor="end" font-size="10" fill="#6c757d">0</text>`,
    ...rects,
    `<text x="${left}" y="${height - 4}" font-size="10" fill="#6c757d">${esc(first)}</text>`,
    `<text x="${width - 4}" y="${height - 4}" text-anchor="end" font-size="10" fill="#6c757d">${esc(last)}</text>`,
    '</svg>',
  ].join('');
}
