// The server-side bar chart: one bar per value scaled to the largest, texts escaped, nothing the
// strict CSP would refuse (no style attribute, no script).
import assert from 'node:assert/strict';
import { barChartSvg } from '../../../lib/stats';

describe('stats bar chart (SVG)', () => {
  it('one rect per bar, the largest full height, an empty day zero height', () => {
    const svg = barChartSvg([{ label: 'a', value: 0 }, { label: 'b', value: 5 }, { label: 'c', value: 10 }], { title: 'T', height: 130 });
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(heights, [0, 50, 100]); // plot height 130 - 10 - 20
    assert.doesNotMatch(svg, /\sstyle=|<script/);
  });

  it('escapes the title and the labels', () => {
    const svg = barChartSvg([{ label: '<b>&"', value: 1 }], { title: '<script>x</script>' });
    assert.doesNotMatch(svg, /<script>|<b>/);
    assert.match(svg, /&#60;script&#62;x&#60;\/script&#62;/);
    assert.match(svg, /&#60;b&#62;&#38;&#34;: 1/);
  });
});
