// benchgate HTML report: the example table (virtualized: only the rows in view
// are in the DOM), per-metric distributions of per-example changes, filters
// kept in the address's fragment, and the word diff of an opened example.
// Untrusted text only ever goes through textContent / createTextNode.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('benchgate-data').textContent);
  var M = data.metrics;
  var K = M.length;
  var rows = data.rows;
  var N = rows.length;
  var ID = 0, INPUT = 1, REFS = 2, BASE = 3, CUR = 4, SCORES = 5, TAGS = 6, SLICES = 7;
  var ROW_H = 34;
  var SVG = 'http://www.w3.org/2000/svg';

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function num(x) { return x === null || x === undefined ? NaN : x; }
  function fmt(x, d) {
    if (!isFinite(x)) return '–';
    var s = Math.abs(x).toFixed(d);
    return (x < 0 && /[1-9]/.test(s) ? '−' : '') + s;
  }
  function signed(x, d) {
    if (!isFinite(x)) return '–';
    var s = Math.abs(x).toFixed(d);
    if (!/[1-9]/.test(s)) return '±' + s;
    return (x < 0 ? '−' : '+') + s;
  }
  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }

  // Per metric: the change of each listed row, and its sign in the metric's
  // good direction (gain < 0: worse).
  var deltas = [], gains = [];
  for (var m = 0; m < K; m++) {
    var d = new Float64Array(N), g = new Float64Array(N);
    for (var i = 0; i < N; i++) {
      var s = rows[i][SCORES];
      d[i] = num(s[2 * m + 1]) - num(s[2 * m]);
      g[i] = d[i] * M[m].sign;
    }
    deltas.push(d);
    gains.push(g);
  }
  var sliceChanged = data.slices.map(function () { return 0; });
  for (var r = 0; r < N; r++) rows[r][SLICES].forEach(function (s) { sliceChanged[s]++; });
  function sliceName(s) { return data.slices[s][0] + '=' + data.slices[s][1]; }

  // ---- state, and the address fragment that keeps it ---------------------
  // The table opens sorted by the metric that failed the gate (overall or in
  // a slice), worst first.
  var firstBad = -1;
  for (var mm = 0; mm < K; mm++) if (M[mm].fails) { firstBad = mm; break; }
  var defaults = { q: '', slice: -1, show: 'all', sort: K ? Math.max(firstBad, 0) : -1, worst: true, open: null };
  var state = Object.assign({}, defaults);
  function metricIndex(name) {
    for (var i = 0; i < K; i++) if (M[i].name === name) return i;
    return -1;
  }
  function readHash() {
    var h = location.hash.slice(1);
    if (h.indexOf('=') < 0) return false;
    var p = new URLSearchParams(h);
    var next = Object.assign({}, defaults);
    next.q = p.get('q') || '';
    var slice = p.get('slice');
    if (slice !== null) {
      for (var s = 0; s < data.slices.length; s++) if (sliceName(s) === slice) next.slice = s;
    }
    var show = p.get('show');
    if (show) {
      var at = show.indexOf(':');
      var kind = show.slice(0, at), mi = metricIndex(show.slice(at + 1));
      if (at > 0 && mi >= 0 && /^(worse|better|same)$/.test(kind)) next.show = kind + ':' + mi;
    }
    var sort = p.get('sort');
    if (sort === 'id') next.sort = -1;
    else if (sort !== null && metricIndex(sort) >= 0) next.sort = metricIndex(sort);
    next.worst = p.get('order') !== 'best';
    next.open = p.get('open');
    state = next;
    return true;
  }
  function writeHash() {
    var p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.slice >= 0) p.set('slice', sliceName(state.slice));
    if (state.show !== 'all') {
      var parts = state.show.split(':');
      p.set('show', parts[0] + ':' + M[+parts[1]].name);
    }
    if (state.sort !== defaults.sort || state.worst !== defaults.worst) {
      p.set('sort', state.sort < 0 ? 'id' : M[state.sort].name);
      p.set('order', state.worst ? 'worst' : 'best');
    }
    if (state.open !== null) p.set('open', state.open);
    var h = p.toString();
    var url = location.href.split('#')[0] + (h ? '#' + h : '');
    if (url !== location.href) history.replaceState(null, '', url);
  }

  // ---- filtering and sorting ----------------------------------------------
  var hay = null;
  function haystack(i) {
    if (!hay) {
      hay = new Array(N);
      for (var j = 0; j < N; j++) {
        var r = rows[j];
        hay[j] = (r[ID] + '\n' + (r[INPUT] || '') + '\n' + r[REFS].join('\n') + '\n' + r[BASE] + '\n' + r[CUR]).toLowerCase();
      }
    }
    return hay[i];
  }
  var view = new Int32Array(0);
  function compute() {
    var q = state.q.trim().toLowerCase();
    var kind = 'all', sm = -1;
    if (state.show !== 'all') { var parts = state.show.split(':'); kind = parts[0]; sm = +parts[1]; }
    var out = new Int32Array(N), n = 0;
    for (var i = 0; i < N; i++) {
      if (state.slice >= 0 && rows[i][SLICES].indexOf(state.slice) < 0) continue;
      if (sm >= 0) {
        var g = gains[sm][i];
        if (kind === 'worse' && !(g < 0)) continue;
        if (kind === 'better' && !(g > 0)) continue;
        if (kind === 'same' && g !== 0) continue;
      }
      if (q && haystack(i).indexOf(q) < 0) continue;
      out[n++] = i;
    }
    view = out.slice(0, n);
    if (state.sort >= 0) {
      var key = gains[state.sort], dir = state.worst ? 1 : -1;
      var arr = Array.prototype.slice.call(view);
      arr.sort(function (a, b) {
        var x = key[a], y = key[b];
        var xn = x !== x, yn = y !== y;
        if (xn || yn) return xn === yn ? a - b : (xn ? 1 : -1);
        return (x - y) * dir || a - b;
      });
      view = Int32Array.from(arr);
    }
  }

  // ---- the table ------------------------------------------------------------
  var scroller = $('scroller'), head = $('rows-head'), body = $('rows-body');
  var COLS = 4 + K;
  var openPos = -1, detailH = 0;
  function buildHead() {
    var tr = el('tr');
    var cols = [['Example', 'id-col'], ['Tags', 'tag-col'], ['Baseline output', ''], ['This PR output', '']];
    cols.forEach(function (c) { var th = el('th', c[1], c[0]); th.scope = 'col'; tr.appendChild(th); });
    for (var m = 0; m < K; m++) {
      var th = el('th', 'delta-col num');
      th.scope = 'col';
      var b = el('button', 'sort', 'Δ ' + M[m].name + (M[m].sign < 0 ? ' ↓' : ''));
      b.type = 'button';
      b.dataset.metric = m;
      b.title = 'Sort by the change of ' + M[m].name + ' (again: reverse)';
      th.appendChild(b);
      tr.appendChild(th);
    }
    head.appendChild(tr);
    head.addEventListener('click', function (e) {
      var b = e.target.closest('button.sort');
      if (!b) return;
      var m = +b.dataset.metric;
      if (state.sort === m) state.worst = !state.worst;
      else { state.sort = m; state.worst = true; }
      update();
    });
  }
  function markSort() {
    var ths = head.querySelectorAll('th.delta-col');
    for (var m = 0; m < ths.length; m++) {
      if (m !== state.sort) { ths[m].removeAttribute('aria-sort'); continue; }
      // The column shows Δ; worst first is ascending Δ when higher is better.
      var ascending = state.worst === (M[m].sign > 0);
      ths[m].setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    }
  }
  function topOf(p) { return p * ROW_H + (openPos >= 0 && p > openPos ? detailH : 0); }
  function total() { return view.length * ROW_H + (openPos >= 0 ? detailH : 0); }
  function indexAt(y) {
    if (openPos < 0 || y < (openPos + 1) * ROW_H) return Math.floor(y / ROW_H);
    if (y < (openPos + 1) * ROW_H + detailH) return openPos;
    return Math.floor((y - detailH) / ROW_H);
  }
  function spacer(h) {
    var tr = el('tr', 'spacer'), td = el('td');
    td.colSpan = COLS;
    td.style.height = h + 'px';
    tr.setAttribute('aria-hidden', 'true');
    tr.appendChild(td);
    return tr;
  }
  function rowEl(p) {
    var i = view[p], r = rows[i];
    var tr = el('tr', 'row' + (p === openPos ? ' open' : ''));
    tr.dataset.pos = p;
    var td = el('td');
    var b = el('button', 'expand', r[ID]);
    b.type = 'button';
    b.setAttribute('aria-expanded', p === openPos ? 'true' : 'false');
    b.dataset.pos = p;
    b.title = r[ID];
    td.appendChild(b);
    tr.appendChild(td);
    td = el('td');
    r[TAGS].forEach(function (t) { td.appendChild(el('span', 'tag', data.tags[t][1])); });
    td.title = r[TAGS].map(function (t) { return data.tags[t][0] + '=' + data.tags[t][1]; }).join(', ');
    tr.appendChild(td);
    tr.appendChild(el('td', 'out', r[BASE].slice(0, 300)));
    tr.appendChild(el('td', 'out', r[CUR].slice(0, 300)));
    for (var m = 0; m < K; m++) tr.appendChild(deltaCell(m, i));
    return tr;
  }
  function deltaCell(m, i) {
    var g = gains[m][i];
    var cls = g < 0 ? 'worse' : g > 0 ? 'better' : 'same';
    return el('td', 'num delta ' + cls, signed(deltas[m][i], M[m].decimals));
  }
  var frame = 0;
  function schedule() {
    if (!frame) frame = requestAnimationFrame(function () { frame = 0; render(); });
  }
  function render() {
    var focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.dataset.pos : null;
    var headH = head.offsetHeight;
    var top = Math.max(0, scroller.scrollTop - headH);
    var height = scroller.clientHeight;
    var frag = document.createDocumentFragment();
    if (!view.length) {
      var tr = el('tr'), td = el('td', 'note', 'No changed example matches these filters.');
      td.colSpan = COLS;
      tr.appendChild(td);
      body.replaceChildren(tr);
      return;
    }
    var first = Math.max(0, indexAt(top) - 5);
    var last = Math.min(view.length - 1, indexAt(top + height) + 5);
    frag.appendChild(spacer(topOf(first)));
    var detail = null;
    for (var p = first; p <= last; p++) {
      frag.appendChild(rowEl(p));
      if (p === openPos) { detail = cachedDetail(view[p]); frag.appendChild(detail); }
    }
    frag.appendChild(spacer(total() - topOf(last + 1)));
    body.replaceChildren(frag);
    if (focused != null) {
      var again = body.querySelector('button.expand[data-pos="' + focused + '"]');
      if (again) again.focus({ preventScroll: true });
    }
    if (detail) {
      var h = detail.getBoundingClientRect().height;
      if (Math.abs(h - detailH) > 0.5) { detailH = h; render(); }
    }
  }
  scroller.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);

  function toggle(p) {
    var id = rows[view[p]][ID];
    state.open = state.open === id ? null : id;
    update(true);
  }
  body.addEventListener('click', function (e) {
    var b = e.target.closest('button.expand');
    if (b) toggle(+b.dataset.pos);
  });
  function focusRow(p) {
    p = Math.max(0, Math.min(view.length - 1, p));
    var headH = head.offsetHeight;
    var y = topOf(p);
    if (y < scroller.scrollTop) scroller.scrollTop = y;
    else if (y + ROW_H + headH > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = y + ROW_H + headH - scroller.clientHeight;
    render();
    var b = body.querySelector('button.expand[data-pos="' + p + '"]');
    if (b) b.focus({ preventScroll: true });
  }
  body.addEventListener('keydown', function (e) {
    var b = e.target.closest('button.expand');
    if (!b) return;
    var p = +b.dataset.pos;
    var page = Math.max(1, Math.floor(scroller.clientHeight / ROW_H) - 1);
    var to = { ArrowDown: p + 1, ArrowUp: p - 1, PageDown: p + page, PageUp: p - page, Home: 0, End: view.length - 1 }[e.key];
    if (to === undefined) {
      if (e.key === 'Escape' && state.open !== null) { state.open = null; update(true); focusRow(p); }
      return;
    }
    e.preventDefault();
    focusRow(to);
  });

  // ---- an opened example ----------------------------------------------------
  function tokens(s) { return s.match(/\s+|\S+/g) || []; }
  // Myers' O(ND) diff over word tokens; past maxD edits the middle is shown
  // as replaced whole (a 1 MB output must not hang the page).
  function diff(a, b, maxD) {
    var pre = 0;
    while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
    var suf = 0;
    while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
    var A = a.slice(pre, a.length - suf), B = b.slice(pre, b.length - suf);
    var ops = [];
    if (pre) ops.push(['=', a.slice(0, pre).join('')]);
    ops = ops.concat(middle(A, B, maxD));
    if (suf) ops.push(['=', a.slice(a.length - suf).join('')]);
    return ops;
  }
  function middle(a, b, maxD) {
    var n = a.length, m = b.length;
    if (!n && !m) return [];
    if (!n) return [['+', b.join('')]];
    if (!m) return [['-', a.join('')]];
    var max = n + m, off = max + 1, v = new Int32Array(2 * max + 3), trace = [];
    for (var d = 0; d <= Math.min(max, maxD); d++) {
      trace.push(v.slice(off - d - 1, off + d + 2));
      for (var k = -d; k <= d; k += 2) {
        var x = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
        var y = x - k;
        while (x < n && y < m && a[x] === b[y]) { x++; y++; }
        v[off + k] = x;
        if (x >= n && y >= m) return backtrack(trace, a, b, n, m);
      }
    }
    return [['-', a.join('')], ['+', b.join('')]];
  }
  function backtrack(trace, a, b, x, y) {
    var out = [];
    for (var d = trace.length - 1; d >= 0; d--) {
      var t = trace[d], k = x - y;
      var V = function (kk) { return t[kk + d + 1]; };
      var prevK = (k === -d || (k !== d && V(k - 1) < V(k + 1))) ? k + 1 : k - 1;
      var prevX = d === 0 ? 0 : V(prevK), prevY = d === 0 ? 0 : prevX - prevK;
      while (x > prevX && y > prevY) { out.push(['=', a[x - 1]]); x--; y--; }
      if (d > 0) {
        if (prevK === k + 1) out.push(['+', b[prevY]]);
        else out.push(['-', a[prevX]]);
      }
      x = prevX; y = prevY;
    }
    out.reverse();
    var merged = [];
    out.forEach(function (o) {
      var last = merged[merged.length - 1];
      if (last && last[0] === o[0]) last[1] += o[1]; else merged.push([o[0], o[1]]);
    });
    return merged;
  }
  // One side of the diff as (changed, text) runs; blank text between two
  // changed runs joins them, so a replaced phrase reads as one change.
  function side(ops, old) {
    var runs = [];
    ops.forEach(function (o) {
      var changed;
      if (o[0] === '=') changed = false;
      else if ((o[0] === '-') === old) changed = true;
      else return;
      var last = runs[runs.length - 1];
      if (last && last[0] === changed) last[1] += o[1]; else runs.push([changed, o[1]]);
    });
    var merged = [];
    runs.forEach(function (r) {
      var n = merged.length;
      if (r[0] && n >= 2 && merged[n - 2][0] && !merged[n - 1][0] && !merged[n - 1][1].trim()) {
        var blank = merged.pop();
        merged[n - 2][1] += blank[1] + r[1];
      } else merged.push(r);
    });
    return merged;
  }
  function diffPre(runs, tag, label) {
    var pre = el('pre');
    pre.setAttribute('aria-label', label);
    runs.forEach(function (r) {
      pre.appendChild(r[0] ? el(tag, null, r[1]) : document.createTextNode(r[1]));
    });
    return pre;
  }
  var detailCache = { i: -1, node: null };
  function cachedDetail(i) {
    if (detailCache.i !== i) detailCache = { i: i, node: detailEl(i) };
    return detailCache.node;
  }
  function detailEl(i) {
    var r = rows[i];
    var tr = el('tr', 'detail'), td = el('td');
    td.colSpan = COLS;
    var box = el('div');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', 'Example ' + r[ID]);
    var h = el('h3', null, 'Example');
    box.appendChild(h);
    var idLine = el('p');
    idLine.appendChild(el('code', null, r[ID]));
    r[TAGS].forEach(function (t) { idLine.appendChild(document.createTextNode(' ')); idLine.appendChild(el('span', 'tag', data.tags[t][0] + '=' + data.tags[t][1])); });
    box.appendChild(idLine);
    if (r[INPUT] !== null) { box.appendChild(el('h3', null, 'Input')); box.appendChild(el('pre', null, r[INPUT])); }
    r[REFS].forEach(function (ref, j) {
      box.appendChild(el('h3', null, r[REFS].length > 1 ? 'Reference ' + (j + 1) : 'Reference'));
      box.appendChild(el('pre', null, ref));
    });
    var ops = diff(tokens(r[BASE]), tokens(r[CUR]), 1500);
    var sides = el('div', 'sides');
    var left = el('div'), right = el('div');
    left.appendChild(el('h3', null, 'Baseline output'));
    left.appendChild(diffPre(side(ops, true), 'del', 'Baseline output, removed words struck through'));
    right.appendChild(el('h3', null, 'This PR output'));
    right.appendChild(diffPre(side(ops, false), 'ins', 'This PR output, added words underlined'));
    sides.appendChild(left);
    sides.appendChild(right);
    box.appendChild(sides);
    box.appendChild(el('h3', null, 'Scores'));
    var t = el('table', 'scores'), th = el('thead'), hr = el('tr');
    ['metric', 'baseline', 'this PR', 'Δ'].forEach(function (c, j) { var x = el('th', j ? 'num' : '', c); x.scope = 'col'; hr.appendChild(x); });
    th.appendChild(hr);
    t.appendChild(th);
    var tb = el('tbody');
    for (var m = 0; m < K; m++) {
      var row = el('tr');
      var name = el('th', null, M[m].name + (M[m].sign < 0 ? ' ↓' : ''));
      name.scope = 'row';
      row.appendChild(name);
      row.appendChild(el('td', 'num', fmt(num(r[SCORES][2 * m]), M[m].decimals)));
      row.appendChild(el('td', 'num', fmt(num(r[SCORES][2 * m + 1]), M[m].decimals)));
      row.appendChild(deltaCell(m, i));
      tb.appendChild(row);
    }
    t.appendChild(tb);
    box.appendChild(t);
    var link = el('a', null, 'Link to this example');
    var p = new URLSearchParams();
    p.set('open', r[ID]);
    link.href = '#' + p.toString();
    var lp = el('p');
    lp.appendChild(link);
    box.appendChild(lp);
    td.appendChild(box);
    tr.appendChild(td);
    return tr;
  }

  // ---- controls ---------------------------------------------------------------
  var q = $('q'), sliceSel = $('slice'), showSel = $('show'), count = $('count');
  function option(parent, value, text) { var o = el('option', null, text); o.value = value; parent.appendChild(o); }
  option(sliceSel, '-1', 'All slices');
  data.slices.forEach(function (s, j) { option(sliceSel, String(j), sliceName(j) + ' (' + group(sliceChanged[j]) + ' changed of ' + group(s[2]) + ')'); });
  if (!data.slices.length) sliceSel.disabled = true;
  option(showSel, 'all', 'All changed examples');
  for (var sm = 0; sm < K; sm++) {
    var og = el('optgroup');
    og.label = M[sm].name;
    var worse = 0, better = 0, same = 0;
    for (var j = 0; j < N; j++) { var gg = gains[sm][j]; if (gg < 0) worse++; else if (gg > 0) better++; else if (gg === 0) same++; }
    option(og, 'worse:' + sm, 'worse on ' + M[sm].name + ' (' + group(worse) + ')');
    option(og, 'better:' + sm, 'better on ' + M[sm].name + ' (' + group(better) + ')');
    option(og, 'same:' + sm, 'same ' + M[sm].name + ' score (' + group(same) + ')');
    showSel.appendChild(og);
  }
  var typing = 0;
  q.addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(function () { state.q = q.value; update(); }, 120);
  });
  sliceSel.addEventListener('change', function () { state.slice = +sliceSel.value; update(); });
  showSel.addEventListener('change', function () { state.show = showSel.value; update(); });
  $('reset').addEventListener('click', function () { state = Object.assign({}, defaults); update(); });
  document.addEventListener('click', function (e) {
    var b = e.target.closest('button.slice-filter, button.show-filter');
    if (!b) return;
    state = Object.assign({}, defaults);
    if (b.dataset.slice !== undefined) state.slice = +b.dataset.slice;
    if (b.dataset.show) state.show = b.dataset.show;
    state.sort = +b.dataset.metric;
    state.worst = state.show.indexOf('better:') !== 0;
    update();
    $('examples').scrollIntoView();
    count.focus();
  });
  count.tabIndex = -1;
  window.addEventListener('hashchange', function () { if (readHash()) update(false, true); });

  function update(keepScroll, reveal) {
    compute();
    var openRow = -1;
    if (state.open !== null) {
      for (var p = 0; p < view.length; p++) if (rows[view[p]][ID] === state.open) { openRow = p; break; }
    }
    if (openRow !== openPos) detailH = 0;
    openPos = openRow;
    q.value = state.q;
    sliceSel.value = String(state.slice);
    showSel.value = state.show;
    markSort();
    var text = 'Showing ' + group(view.length) + ' of ' + group(N) + ' changed examples';
    if (state.slice >= 0) {
      text += ' · ' + sliceName(state.slice) + ': ' + group(sliceChanged[state.slice]) + ' changed of ' + group(data.slices[state.slice][2]) + ' compared';
      count.dataset.sliceSize = data.slices[state.slice][2];
      count.dataset.sliceChanged = sliceChanged[state.slice];
    } else {
      delete count.dataset.sliceSize;
      delete count.dataset.sliceChanged;
    }
    if (state.sort >= 0) text += ' · sorted by Δ ' + M[state.sort].name + (state.worst ? ', worst first' : ', best first');
    count.textContent = text;
    count.dataset.shown = view.length;
    writeHash();
    if (!keepScroll) scroller.scrollTop = 0;
    render();
    if (reveal && openPos >= 0) {
      scroller.scrollTop = topOf(openPos);
      render();
      $('examples').scrollIntoView();
    }
  }

  // ---- distributions of per-example changes -------------------------------------
  function distributions() {
    var box = $('dists');
    var W = 300, H = 90, BINS = 24;
    for (var m = 0; m < K; m++) {
      var d = deltas[m], g = gains[m];
      var worse = 0, better = 0, reach = 0;
      for (var i = 0; i < N; i++) {
        if (g[i] < 0) worse++; else if (g[i] > 0) better++;
        if (g[i] !== 0 && isFinite(d[i])) reach = Math.max(reach, Math.abs(d[i]));
      }
      var same = data.compared - worse - better;
      var bins = new Array(BINS).fill(0);
      if (reach > 0) {
        for (var j = 0; j < N; j++) {
          if (g[j] === 0 || !isFinite(d[j])) continue;
          var b = Math.min(BINS - 1, Math.floor((d[j] + reach) / (2 * reach) * BINS));
          bins[b]++;
        }
      }
      var top = Math.max.apply(null, bins.concat([1]));
      var fig = el('figure', 'dist');
      fig.appendChild(el('figcaption', null, M[m].name + (M[m].sign < 0 ? ' ↓' : '')));
      var dec = M[m].decimals;
      var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img',
        'aria-label': M[m].name + ': ' + worse + ' examples worse, ' + better + ' better, ' + same + ' the same' + (reach > 0 ? '; changes from ' + signed(-reach, dec) + ' to ' + signed(reach, dec) : '') });
      var bw = (W - 20) / BINS;
      for (var k = 0; k < BINS; k++) {
        if (!bins[k]) continue;
        var h = Math.max(1.5, bins[k] / top * (H - 30));
        var lo = -reach + k * 2 * reach / BINS, hi = lo + 2 * reach / BINS;
        var mid = (lo + hi) / 2;
        var rect = svg('rect', { x: (10 + k * bw + 1).toFixed(1), y: (H - 18 - h).toFixed(1), width: (bw - 2).toFixed(1), height: h.toFixed(1), 'class': 'bar ' + (mid * M[m].sign < 0 ? 'worse' : 'better') });
        var title = svg('title', {});
        title.textContent = signed(lo, dec) + ' to ' + signed(hi, dec) + ': ' + bins[k] + ' examples';
        rect.appendChild(title);
        s.appendChild(rect);
      }
      s.appendChild(svg('line', { 'class': 'zero', x1: W / 2, x2: W / 2, y1: 4, y2: H - 16 }));
      var labels = [[10, 'start', reach > 0 ? signed(-reach, dec) : ''], [W / 2, 'middle', '0'], [W - 10, 'end', reach > 0 ? signed(reach, dec) : '']];
      labels.forEach(function (l) {
        var t = svg('text', { x: l[0], y: H - 4, 'text-anchor': l[1] });
        t.textContent = l[2];
        s.appendChild(t);
      });
      fig.appendChild(s);
      var counts = el('div', 'counts');
      [['worse', worse, '▼ '], ['better', better, '▲ ']].forEach(function (c) {
        var b = el('button', 'linkish show-filter');
        var mark = el('span', null, c[2]);
        mark.setAttribute('aria-hidden', 'true');
        b.appendChild(mark);
        b.appendChild(document.createTextNode(group(c[1]) + ' ' + c[0]));
        b.type = 'button';
        b.dataset.show = c[0] + ':' + m;
        b.dataset.metric = m;
        b.setAttribute('aria-label', group(c[1]) + ' ' + c[0] + ' on ' + M[m].name + ': list them');
        counts.appendChild(b);
      });
      counts.appendChild(el('span', 'note', group(same) + ' the same'));
      fig.appendChild(counts);
      box.appendChild(fig);
    }
  }

  buildHead();
  distributions();
  var fromHash = readHash();
  update(false, fromHash);
  performance.mark('benchgate-ready');
  document.documentElement.dataset.ready = '1';
})();
