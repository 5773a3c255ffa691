/** The static page's HTML: controls on the left, the drawing on the right; the script wires them (browser.ts). */
export function siteHtml(title: string, about: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f6f5f2; color: #222; }
  header { padding: 1rem 1.5rem 0; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  header p { margin: 0; color: #555; max-width: 60rem; }
  main { display: flex; gap: 1.5rem; padding: 1rem 1.5rem; flex-wrap: wrap; align-items: flex-start; }
  form { background: #fff; border-radius: 8px; padding: 1rem; width: 19rem; box-shadow: 0 1px 3px #0002; }
  label { display: grid; grid-template-columns: 5.5rem 1fr 2.5rem; gap: .5rem; align-items: center; margin: .35rem 0; }
  fieldset { border: 0; padding: 0; margin: 0 0 .8rem; }
  legend { font-weight: 600; margin-bottom: .3rem; }
  button { margin: .15rem .2rem .15rem 0; padding: .3rem .6rem; border: 1px solid #bbb; border-radius: 5px; background: #fafafa; cursor: pointer; }
  #canvas { image-rendering: pixelated; width: min(80vw, 512px); background: #ddd; border-radius: 4px; }
  #status { color: #555; margin-top: .5rem; min-height: 1.5em; }
</style>
<script src="generator.js"></script>
<script src="pegasus-site.js" defer></script>
</head>
<body>
<header><h1>${esc(title)}</h1><p>${esc(about)}</p></header>
<main>
<form onsubmit="return false">
  <fieldset><legend>Draw</legend>
    <button type="button" data-mix="pegasus:1">Pegasus</button>
    <button type="button" data-mix="horse:1">horse</button>
    <button type="button" data-mix="bird:1">bird</button>
    <button type="button" data-mix="horse:0.5,bird:0.5">½ horse + ½ bird</button>
    <button type="button" data-mix="horse:0.6,airplane:0.4">horse + airplane</button>
  </fieldset>
  <fieldset id="sliders"><legend>Class weights</legend></fieldset>
  <fieldset><legend>Noise</legend>
    <label><span>seed</span><input id="seed" type="number" min="0" value="1"><button type="button" id="reseed" title="another seed">↻</button></label>
    <label><span>truncation ψ</span><input id="truncation" type="range" min="0.3" max="2" step="0.1" value="2"><output>off</output></label>
    <label><span>images</span><select id="count"><option>1</option><option selected>16</option><option>64</option></select><span></span></label>
  </fieldset>
</form>
<div><canvas id="canvas" width="128" height="128"></canvas><div id="status">loading the generator…</div></div>
</main>
</body>
</html>
`;
}
