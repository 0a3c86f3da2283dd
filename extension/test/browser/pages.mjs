// The pages of pages.test.mjs, built from the prepared photos (crops of scikit-image's sample
// photos, 480 x 320) served from a second origin.
import { html } from './helpers.mjs';

const photo = (k) => `page-${String(k).padStart(2, '0')}.jpg`;

/** {name: html} for the image origin `img` and the pages' origin `site`. */
export function pageSet(img, site) {
  const src = (k) => `${img}/img/${photo(k)}`;
  const pages = {};

  pages['news.html'] = html(`
<style>article{display:inline-block;width:330px;margin:4px;vertical-align:top} article img{width:320px;height:213px;margin:0}
header{height:60px;background:#223;color:#fff;padding:8px} nav img{width:20px;height:20px}</style>
<header><nav><img src="${img}/img/tiny.png" alt=""> News</nav></header>
${Array.from({ length: 50 }, (_, k) => `<article><img data-test-id="news-${k}" src="${src(k)}"><h4>Story ${k}</h4><p>Text of story ${k}.</p></article>`).join('\n')}`, 'News');

  // A web component with an open shadow root, one added later, one nested, and frames.
  pages['frame.html'] = html(`<img data-test-id="frame-src" src="${src(20)}" width="240">`);
  pages['components.html'] = html(`
<photo-card id="a"></photo-card><photo-card id="b"></photo-card>
<iframe src="${site}/pages/frame.html" width="320" height="240"></iframe>
<iframe srcdoc='<img data-test-id="frame-srcdoc" src="${src(21)}" width="240">' width="320" height="240"></iframe>
<script>
customElements.define('photo-card', class extends HTMLElement {
  constructor() { super(); this.attachShadow({ mode: 'open' }); }
  show(id, k) {
    const img = document.createElement('img');
    img.dataset.testId = id; img.width = 240; img.src = '${img}/img/page-' + String(k).padStart(2, '0') + '.jpg';
    this.shadowRoot.append(img);
  }
});
const [a, b] = document.querySelectorAll('photo-card');
a.show('shadow-1', 10); b.show('shadow-2', 11);
const icon = document.createElement('img'); icon.dataset.testId = 'shadow-icon'; icon.src = '${img}/img/tiny.png';
a.shadowRoot.append(icon);
const outer = document.createElement('div'); outer.attachShadow({ mode: 'open' });
const inner = document.createElement('photo-card'); outer.shadowRoot.append(inner); document.body.append(outer);
inner.show('nested-shadow', 12);
setTimeout(() => b.show('shadow-late', 13), 600);
</script>`, 'Components');

  // Photos larger than their clipping boxes, in a grid of neighbours.
  const box = 'display:inline-block;width:200px;height:150px;margin:8px;vertical-align:top';
  pages['clipped.html'] = html(`
<div id="frame-shifted" style="${box};overflow:hidden;position:relative"><img data-test-id="shifted" src="${src(30)}" style="position:absolute;left:-80px;top:-60px;width:400px;height:267px;margin:0"></div>
<div id="frame-round" style="${box};overflow:hidden;border-radius:50%"><img data-test-id="round" src="${src(31)}" style="width:300px;height:200px;margin:-25px 0 0 -50px"></div>
<img id="frame-cover" data-test-id="cover" src="${src(32)}" style="${box};object-fit:cover;margin:8px">
<div id="frame-scroller" style="${box};overflow:auto"><div style="height:120px"></div><img data-test-id="scroller" src="${src(33)}" style="width:180px;margin:0"><div style="height:400px"></div></div>`, 'Clipped');

  const menuBox = 'display:inline-block;position:relative;width:300px;height:200px;margin:8px;vertical-align:top';
  pages['menu-kinds.html'] = html(`
<div id="box-background" data-test-id="background" style="${menuBox};background:url('${src(40)}') center/cover"></div>
<span id="box-picture" style="${menuBox}"><picture><source srcset="${src(41)}" type="image/jpeg"><img data-test-id="picture" src="${src(42)}" style="width:300px;height:200px;margin:0"></picture></span>
<div id="box-overlaid" style="${menuBox}"><img data-test-id="overlaid" src="${src(43)}" style="width:300px;height:200px;margin:0"><a href="#" style="position:absolute;inset:0;background:transparent"></a></div>
<img data-test-id="untouched" src="${src(44)}" width="300">`, 'Right-click');

  pages['explain.html'] = html(`
<img data-test-id="photo" src="${src(7)}" width="420">
<img data-test-id="banner" src="${src(8)}" style="width:300px;height:98px;object-fit:cover">
<img data-test-id="icon" src="${img}/img/tiny.png" width="32">`, 'Explained');
  return pages;
}
