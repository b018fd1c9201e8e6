(function () {
  'use strict';
  // Errors go into the page (#js-errors) as well as the console, so a headless browser's DOM
  // dump shows them.
  var errors = [];
  function recordError(msg) {
    errors.push(String(msg));
    var el = document.getElementById('js-errors');
    if (el) {
      el.textContent = errors.join('\n');
      el.hidden = false;
    }
    document.body.setAttribute('data-js-errors', String(errors.length));
  }
  window.addEventListener('error', function (e) {
    recordError('error: ' + (e && e.message ? e.message : e));
  });
  window.addEventListener('unhandledrejection', function (e) {
    recordError('unhandled rejection: ' + (e ? e.reason : ''));
  });
  var consoleError = console.error;
  console.error = function () {
    recordError('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return consoleError.apply(console, arguments);
  };

  var cases = Array.prototype.slice.call(document.querySelectorAll('#cases > details.case'));
  var verdictButtons = Array.prototype.slice.call(document.querySelectorAll('[data-filter-verdict]'));
  var suiteSelect = document.getElementById('suite-filter');
  var textInput = document.getElementById('text-filter');
  var shown = document.getElementById('shown-count');
  var empty = document.getElementById('no-match');
  var state = { verdict: 'all', suite: '', q: '' };
  var texts = new Map();

  function textOf(el) {
    var t = texts.get(el);
    if (t === undefined) {
      t = el.textContent.toLowerCase();
      texts.set(el, t);
    }
    return t;
  }

  function readHash() {
    var h = window.location.hash.replace(/^#/, '');
    if (!h) { return; }
    var p = new URLSearchParams(h);
    var v = p.get('verdict');
    if (v && verdictButtons.some(function (b) { return b.getAttribute('data-filter-verdict') === v; })) {
      state.verdict = v;
    }
    var s = p.get('suite');
    if (s !== null && Array.prototype.some.call(suiteSelect.options, function (o) { return o.value === s; })) {
      state.suite = s;
    }
    var q = p.get('q');
    if (q !== null) { state.q = q; }
  }

  function writeHash() {
    var p = new URLSearchParams();
    if (state.verdict !== 'all') { p.set('verdict', state.verdict); }
    if (state.suite) { p.set('suite', state.suite); }
    if (state.q) { p.set('q', state.q); }
    var s = p.toString();
    try {
      history.replaceState(null, '', s ? '#' + s : window.location.pathname + window.location.search);
    } catch (e) {
      // Some browsers refuse history changes on file:// pages; the filter still works.
    }
  }

  function apply() {
    var q = state.q.trim().toLowerCase();
    var n = 0;
    cases.forEach(function (el) {
      var ok = (state.verdict === 'all' || el.getAttribute('data-verdict') === state.verdict) &&
        (!state.suite || el.getAttribute('data-suite') === state.suite) &&
        (!q || textOf(el).indexOf(q) !== -1);
      el.hidden = !ok;
      if (ok) { n += 1; }
    });
    verdictButtons.forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-filter-verdict') === state.verdict));
    });
    suiteSelect.value = state.suite;
    if (textInput.value !== state.q) { textInput.value = state.q; }
    shown.textContent = n + ' of ' + cases.length + ' cases shown';
    shown.setAttribute('data-shown', String(n));
    empty.hidden = n !== 0 || cases.length === 0;
  }

  function update() {
    apply();
    writeHash();
  }

  verdictButtons.forEach(function (b) {
    b.addEventListener('click', function () {
      state.verdict = b.getAttribute('data-filter-verdict');
      update();
    });
  });
  suiteSelect.addEventListener('change', function () {
    state.suite = suiteSelect.value;
    update();
  });
  textInput.addEventListener('input', function () {
    state.q = textInput.value;
    update();
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-suite-link]'), function (b) {
    b.addEventListener('click', function () {
      state.suite = b.getAttribute('data-suite-link');
      state.verdict = 'all';
      update();
      document.getElementById('filters').scrollIntoView();
    });
  });
  document.getElementById('expand-all').addEventListener('click', function () {
    cases.forEach(function (el) { if (!el.hidden) { el.open = true; } });
  });
  document.getElementById('collapse-all').addEventListener('click', function () {
    cases.forEach(function (el) { el.open = false; });
  });
  Array.prototype.forEach.call(document.querySelectorAll('button.copy'), function (b) {
    b.addEventListener('click', function () {
      var pre = b.parentNode.querySelector('pre');
      if (!pre || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(pre.textContent).then(function () {
        b.textContent = 'copied';
      }, function () {
        b.textContent = 'copy failed';
      });
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === '/' && document.activeElement !== textInput) {
      e.preventDefault();
      textInput.focus();
    }
  });
  // Matrix cells link to `#case-…` anchors placed just before a case: open that case.
  function openAnchored() {
    var h = window.location.hash.replace(/^#/, '');
    if (!/^case-[a-z0-9-]+$/.test(h)) { return; }
    var a = document.getElementById(h);
    var d = a ? a.nextElementSibling : null;
    if (d && d.tagName === 'DETAILS') { d.open = true; }
  }

  window.addEventListener('hashchange', function () {
    state = { verdict: 'all', suite: '', q: '' };
    readHash();
    apply();
    openAnchored();
  });

  readHash();
  apply();
  openAnchored();
  document.body.setAttribute('data-ready', '1');
})();
