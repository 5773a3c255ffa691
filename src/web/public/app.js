// The page of `pegasus serve`: plain JavaScript, no build step. The server draws and scores
// images (POST /api/render), finds nearest training images (POST /api/neighbours), and validates
// every request; this file keeps the state of the controls and shows the answers.
'use strict';

const $ = (id) => document.getElementById(id);
const state = {
  model: null, // /api/status model: classes, checkpoint, step
  limits: null,
  weights: {}, // class → weight of the current mix
  wings: null, // the class drawn inside the wing region (region-mix), or null for none
  selected: null, // the rendered image shown in the details panel
  a: null, // interpolation endpoints: settings
  b: null,
  favourites: JSON.parse(localStorage.getItem('pegasus-favourites') || '[]'),
};

async function api(path, body) {
  const r = await fetch(
    path,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const json = await r.json();
  if (!r.ok) {
    const e = new Error(json.message || r.statusText);
    e.status = r.status;
    throw e;
  }
  return json;
}

const say = (text) => {
  $('status').textContent = text;
};
const round = (x) => Math.round(x * 1000) / 1000;
const pct = (p) => `${(100 * p).toFixed(0)}%`;

/** Weights without zeros, rounded (what a setting records). */
function cleanWeights(w) {
  const out = {};
  for (const c of state.model.classes) if (w[c]) out[c] = round(w[c]);
  return out;
}

function mixLabel(s) {
  const parts = Object.entries(s.weights).map(([c, w]) => `${c} ${w}`);
  const wings = s.region ? ` + ${Object.keys(s.region.weights).join('/')} region` : '';
  return `${parts.join(', ') || 'zero mix'}${wings} · seed ${s.seed}${s.blend ? `→${s.blend.seed} t=${s.blend.t}` : ''}`;
}

/**
 * The wing region of the current controls: a soft ellipse over the upper middle of the image where
 * the chosen class replaces the mix (the centre of the ranges `pegasus generate` searches).
 */
function currentRegion() {
  return state.wings ? { weights: { [state.wings]: 1 }, cy: 8.5, cx: 16, ry: 6, rx: 9 } : undefined;
}

/** A setting as the server takes it (no region key when there is none). */
function settingOf(weights, seed, region, blend) {
  return { weights, seed, ...(region ? { region } : {}), ...(blend ? { blend } : {}) };
}

// ---- rendering: the latest request wins; a change during a request is sent when it returns ----

function latestOnly(fn) {
  let running = false;
  let again = false;
  return async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await fn();
    } catch (e) {
      say(e.message);
    }
    running = false;
    if (again) {
      again = false;
      run();
    }
  };
}

function card(im, onClick) {
  const div = document.createElement('div');
  div.className = 'card';
  div.tabIndex = 0;
  const img = document.createElement('img');
  img.src = im.png;
  img.alt = mixLabel(im.settings);
  img.width = 96;
  img.height = 96;
  const label = document.createElement('div');
  label.className = 'label';
  const match = im.scores.match === null ? '' : pct(im.scores.match);
  label.innerHTML = `<span></span><span></span>`;
  label.children[0].textContent = im.scores.top;
  label.children[1].textContent = match;
  label.title = 'most probable class, and probability mass on the classes with positive weight';
  div.append(img, label);
  div.addEventListener('click', () => onClick(im, div));
  div.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') onClick(im, div);
  });
  return div;
}

const renderGallery = latestOnly(async () => {
  const seed = Number($('seed').value) || 0;
  const n = Number($('count').value);
  const weights = cleanWeights(state.weights);
  const region = currentRegion();
  const items = Array.from({ length: n }, (_, i) => settingOf(weights, (seed + i) % (state.limits.maxSeed + 1), region));
  const r = await api('/api/render', { items });
  const gallery = $('gallery');
  gallery.replaceChildren(
    ...r.images.map((im, i) => {
      const c = card(im, select);
      if (i === r.best) c.classList.add('best');
      return c;
    }),
  );
  $('timing').textContent = `${r.images.length} images in ${r.ms} ms on the server (${state.model.backend} backend)`;
  say('');
});

const renderStrip = latestOnly(async () => {
  if (!state.a || !state.b) return;
  const steps = Math.max(2, Math.min(16, Number($('steps').value) || 8));
  const items = Array.from({ length: steps }, (_, i) => {
    const t = round(i / (steps - 1));
    const weights = {};
    for (const c of state.model.classes) {
      const w = (1 - t) * (state.a.weights[c] || 0) + t * (state.b.weights[c] || 0);
      if (w) weights[c] = round(w);
    }
    // NOTE: the region (if any) is A's; only the mix and the noise are interpolated
    return settingOf(weights, state.a.seed, state.a.region, t === 0 ? undefined : { seed: state.b.seed, t });
  });
  const r = await api('/api/render', { items });
  $('strip').replaceChildren(...r.images.map((im) => card(im, select)));
});

// ---- details: scores, settings, neighbours ----

function showSelected(im, el) {
  state.selected = im;
  document.querySelectorAll('.card.selected').forEach((c) => c.classList.remove('selected'));
  if (el) el.classList.add('selected');
  $('details').hidden = false;
  $('detail-image').src = im.png;
  for (const id of ['favourite', 'use-a', 'use-b', 'use-mix']) $(id).disabled = im.saved === true;
}

/** An image that `pegasus generate` chose: its pegasus.json entry (recipe and scores) as written. */
function selectSaved(im, el) {
  showSelected(im, el);
  $('settings').textContent = JSON.stringify(im.entry, null, 2);
  $('command').textContent = `${im.folder}/${im.file}`;
  $('scores').replaceChildren();
  $('neighbours-pixel').replaceChildren();
  $('neighbours-feature').replaceChildren();
  $('neighbour-status').textContent = `pegasus generate's own neighbour distances are in the entry above (and ${im.folder}/neighbours.png)`;
}

async function select(im, el) {
  showSelected(im, el);
  $('settings').textContent = JSON.stringify(settingsJson(im), null, 2);
  $('command').textContent =
    im.command || '(blended noise or a region: regenerate it with these settings on this page or POST /api/render)';
  const wanted = new Set(
    [...Object.entries(im.settings.weights), ...Object.entries(im.settings.region?.weights ?? {})].filter(([, w]) => w > 0).map(([c]) => c),
  );
  const rows = Object.entries(im.scores.probs).sort((x, y) => y[1] - x[1]);
  $('scores').replaceChildren(
    ...rows.map(([c, p]) => {
      const row = document.createElement('div');
      row.className = `bar${wanted.has(c) ? ' wanted' : ''}`;
      row.innerHTML = '<span></span><span><span class="fill"></span></span><span></span>';
      row.children[0].textContent = c;
      row.children[1].firstChild.style.width = pct(p);
      row.children[2].textContent = pct(p);
      return row;
    }),
  );
  updateFavouriteButton();
  await showNeighbours(im);
}

async function showNeighbours(im) {
  $('neighbours-pixel').replaceChildren();
  $('neighbours-feature').replaceChildren();
  $('neighbour-status').textContent = 'searching the training set…';
  try {
    const r = await api('/api/neighbours', { settings: im.settings, k: 6 });
    if (state.selected !== im) return;
    const thumbs = (list, unit) =>
      list.map((n) => {
        const f = document.createElement('figure');
        const img = document.createElement('img');
        img.src = n.png;
        img.alt = `training image ${n.index} (${n.label})`;
        const cap = document.createElement('figcaption');
        cap.textContent = `${n.label} ${n.distance.toFixed(unit)}`;
        f.append(img, cap);
        return f;
      });
    $('neighbours-pixel').replaceChildren(...thumbs(r.neighbours.pixel, 1));
    $('neighbours-feature').replaceChildren(...thumbs(r.neighbours.feature, 2));
    const d = r.neighbours.pixel[0]?.distance;
    $('neighbour-status').textContent =
      d === undefined
        ? ''
        : d < 1e-3
          ? 'an exact copy of a training image'
          : `nearest training image at pixel distance ${d.toFixed(1)} (0 would be a copy)`;
  } catch (e) {
    if (state.selected !== im) return;
    $('neighbour-status').textContent = e.message;
    if (e.status === 503 && /try again/.test(e.message)) setTimeout(() => state.selected === im && showNeighbours(im), 3000);
  }
}

/** Everything needed to regenerate an image, as exported. */
function settingsJson(im) {
  if (im.saved) return im.entry;
  return {
    checkpoint: state.model.checkpoint,
    step: state.model.step,
    ...im.settings,
    scores: { top: im.scores.top, match: im.scores.match },
    command: im.command,
  };
}

// ---- export ----

function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function pngSheet(images, scale = 8) {
  const cols = Math.min(images.length, 8);
  const rows = Math.ceil(images.length / cols);
  const canvas = document.createElement('canvas');
  canvas.width = cols * 32 * scale;
  canvas.height = rows * 32 * scale;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false; // keep the pixels square when enlarging
  for (let i = 0; i < images.length; i++) {
    const img = new Image();
    img.src = images[i].png;
    await img.decode();
    ctx.drawImage(img, (i % cols) * 32 * scale, Math.floor(i / cols) * 32 * scale, 32 * scale, 32 * scale);
  }
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}

const fileStem = (im) => (im.saved ? `pegasus-generate-${im.file.replace(/[^\w]+/g, '-').replace(/-png$/, '')}` : stemOf(im.settings));
const stemOf = (s) =>
  `pegasus-${
    Object.entries(s.weights)
      .map(([c, w]) => `${c}${w}`)
      .join('-') || 'zero'
  }${s.region ? `-${Object.keys(s.region.weights).join('-')}-region` : ''}-seed${s.seed}${s.blend ? `-to${s.blend.seed}-t${s.blend.t}` : ''}`;
const jsonBlob = (x) => new Blob([JSON.stringify(x, null, 2) + '\n'], { type: 'application/json' });

// ---- favourites (kept in this browser) ----

function saveFavourites() {
  localStorage.setItem('pegasus-favourites', JSON.stringify(state.favourites));
  $('favourites').replaceChildren(
    ...state.favourites.map((im) => {
      const img = document.createElement('img');
      img.src = im.png;
      img.alt = mixLabel(im.settings);
      img.title = mixLabel(im.settings);
      img.addEventListener('click', () => select(im, null));
      return img;
    }),
  );
  updateFavouriteButton();
}

const sameSettings = (x, y) => JSON.stringify(x) === JSON.stringify(y);
const isFavourite = (im) => state.favourites.some((f) => sameSettings(f.settings, im.settings));
function updateFavouriteButton() {
  if (state.selected) $('favourite').textContent = isFavourite(state.selected) ? '★ favourite' : '☆ favourite';
}

// ---- wiring ----

function buildSliders() {
  const box = $('sliders');
  const max = state.limits.maxWeight;
  box.replaceChildren(
    ...state.model.classes.map((c) => {
      const row = document.createElement('div');
      row.className = 'slider';
      row.innerHTML = `<label></label><input type="range" min="${-max}" max="${max}" step="0.05"><output></output>`;
      const [label, input, out] = row.children;
      input.id = `w-${c}`;
      input.dataset.class = c;
      label.htmlFor = input.id;
      label.textContent = c;
      input.value = String(state.weights[c] || 0);
      out.textContent = Number(input.value).toFixed(2);
      input.addEventListener('input', () => {
        state.weights[c] = Number(input.value);
        out.textContent = Number(input.value).toFixed(2);
        renderGallery();
      });
      return row;
    }),
  );
}

/** The "wings" control: none, or a class of the model drawn inside the wing region. */
function buildWings() {
  const sel = $('wings');
  const classes = state.model.classes;
  sel.replaceChildren(
    ...['', ...classes].map((c) => {
      const o = document.createElement('option');
      o.value = c;
      o.textContent = c === '' ? 'none' : `${c} over the back`;
      return o;
    }),
  );
  sel.value = state.wings && classes.includes(state.wings) ? state.wings : '';
  sel.disabled = classes.length === 0;
}

function setEndpoint(which, settings) {
  state[which] = settings;
  $(`endpoint-${which}`).textContent = `${which.toUpperCase()}: ${mixLabel(settings)}`;
  renderStrip();
}

function defaultWeights() {
  // a Pegasus to start with when the model knows horses and birds; otherwise the first class
  const c = state.model.classes;
  if (c.includes('horse') && c.includes('bird')) return { horse: 0.7, bird: 0.3 };
  return c.length > 0 ? { [c[0]]: 1 } : {};
}

async function start() {
  const s = await api('/api/status');
  state.model = s.model;
  state.limits = s.limits;
  $('model').textContent =
    `${s.model.checkpoint} · ${s.model.model} step ${s.model.step} · classes ${s.model.classes.join(', ') || 'none'} · ${s.model.backend} backend · neighbours: ${s.neighbours.message}`;
  state.weights = defaultWeights();
  buildSliders();
  buildWings();
  $('wings').addEventListener('change', () => {
    state.wings = $('wings').value || null;
    renderGallery();
  });
  $('seed').max = String(s.limits.maxSeed);
  $('seed').addEventListener('input', renderGallery);
  $('count').addEventListener('change', renderGallery);
  $('steps').addEventListener('change', renderStrip);
  const page = (d) => {
    $('seed').value = String(Math.max(0, (Number($('seed').value) || 0) + d * Number($('count').value)));
    renderGallery();
  };
  $('seed-prev').addEventListener('click', () => page(-1));
  $('seed-next').addEventListener('click', () => page(1));
  $('seed-random').addEventListener('click', () => {
    $('seed').value = String(Math.floor(Math.random() * 1e6));
    renderGallery();
  });
  $('reset').addEventListener('click', () => {
    state.weights = defaultWeights();
    state.wings = null;
    buildSliders();
    buildWings();
    renderGallery();
  });
  $('use-a').addEventListener('click', () => state.selected && setEndpoint('a', state.selected.settings));
  $('use-b').addEventListener('click', () => state.selected && setEndpoint('b', state.selected.settings));
  $('use-mix').addEventListener('click', () => {
    if (!state.selected) return;
    state.weights = { ...state.selected.settings.weights };
    state.wings = state.selected.settings.region ? (Object.keys(state.selected.settings.region.weights)[0] ?? null) : null;
    $('seed').value = String(state.selected.settings.seed);
    buildSliders();
    buildWings();
    renderGallery();
  });
  $('favourite').addEventListener('click', () => {
    const im = state.selected;
    if (!im) return;
    state.favourites = isFavourite(im)
      ? state.favourites.filter((f) => !sameSettings(f.settings, im.settings))
      : [...state.favourites, { settings: im.settings, png: im.png, scores: im.scores, command: im.command }];
    saveFavourites();
  });
  $('download-png').addEventListener(
    'click',
    async () => state.selected && download(`${fileStem(state.selected)}.png`, await pngSheet([state.selected])),
  );
  $('download-json').addEventListener(
    'click',
    () => state.selected && download(`${fileStem(state.selected)}.json`, jsonBlob(settingsJson(state.selected))),
  );
  $('export-favourites-png').addEventListener(
    'click',
    async () => state.favourites.length > 0 && download('pegasus-favourites.png', await pngSheet(state.favourites, 4)),
  );
  $('export-favourites-json').addEventListener('click', () =>
    download('pegasus-favourites.json', jsonBlob(state.favourites.map(settingsJson))),
  );
  $('open-settings').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (f) openSettings(f).catch((err) => say(`${f.name}: ${err.message}`));
    e.target.value = '';
  });
  $('clear-favourites').addEventListener('click', () => {
    state.favourites = [];
    saveFavourites();
  });
  saveFavourites();
  loadSaved();
  // a first strip: the same mix from seed 0 to seed 1
  const w = cleanWeights(state.weights);
  state.a = { weights: w, seed: 0 };
  setEndpoint('b', { weights: w, seed: 1 });
  setEndpoint('a', state.a);
  await renderGallery();
}

/**
 * Redraws exported settings (one image's JSON or the favourites' list) into the gallery and selects
 * the first: the round trip of "settings JSON".
 */
async function openSettings(file) {
  const json = JSON.parse(await file.text());
  const list = (Array.isArray(json) ? json : [json]).slice(0, state.limits.maxImages);
  const items = list.map((x) => settingOf(x.weights, x.seed, x.region, x.blend));
  const r = await api('/api/render', { items });
  const cards = r.images.map((im) => card(im, select));
  $('gallery').replaceChildren(...cards);
  $('timing').textContent = `${r.images.length} opened from ${file.name}`;
  const other = list.find((x) => x.checkpoint && x.checkpoint !== state.model.checkpoint);
  say(other ? `note: ${file.name} was made with ${other.checkpoint}; this server draws with ${state.model.checkpoint}` : '');
  await select(r.images[0], cards[0]);
}

async function loadSaved() {
  const r = await api('/api/saved');
  $('saved-section').hidden = r.images.length === 0;
  $('saved-folder').textContent = `(${r.folder}/pegasus.json)`;
  $('saved').replaceChildren(
    ...r.images.map((s, i) => {
      const im = { ...s, saved: true, folder: r.folder };
      const div = document.createElement('div');
      div.className = i === 0 ? 'card best' : 'card';
      div.tabIndex = 0;
      const img = document.createElement('img');
      img.src = s.png;
      img.alt = s.file;
      div.append(img);
      div.addEventListener('click', () => selectSaved(im, div));
      return div;
    }),
  );
}

/** The run folders under --runs: each run's step, losses and newest sample grid, redrawn every 15 s. */
async function loadRuns() {
  const r = await api('/api/runs');
  $('runs-section').hidden = r.runs.length === 0;
  $('runs-folder').textContent = `(${r.folder}/)`;
  $('runs').replaceChildren(
    ...r.runs.map((run) => {
      const div = document.createElement('div');
      div.className = 'run';
      const title = document.createElement('p');
      title.textContent = `${run.name}: ${run.model}, step ${run.step} of ${run.steps}${run.training ? ' — training now' : ''}`;
      div.append(title);
      if (run.lossesSvg) {
        const img = document.createElement('img');
        img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(run.lossesSvg)}`;
        img.alt = `losses of ${run.name}`;
        div.append(img);
      }
      if (run.latestSample) {
        const img = document.createElement('img');
        img.src = run.latestSample.png;
        img.alt = `${run.name} ${run.latestSample.file}`;
        img.className = 'pixelated';
        div.append(img);
      }
      return div;
    }),
  );
}

start().catch((e) => say(`could not start: ${e.message}`));
loadRuns().catch(() => {});
setInterval(() => loadRuns().catch(() => {}), 15_000);
