// Workflowy dashboard: live updates over one server-sent-events stream, and the actions (POST with the CSRF header).
// No inline script anywhere (the CSP forbids it); every value shown comes escaped from the server or goes in as text.
(function () {
  'use strict';

  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute('content') : null;
  }

  var base = meta('workflowy-base') || '';
  var csrf = meta('workflowy-csrf');
  var main = document.getElementById('main');
  var flash = document.getElementById('flash');
  var liveStatus = document.getElementById('live-status');

  function say(text, kind) {
    if (!flash) { return; }
    flash.textContent = text;
    flash.setAttribute('data-kind', kind || 'info');
  }

  function requestId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') { return window.crypto.randomUUID(); }
    return String(Date.now()) + '-' + String(Math.random()).slice(2);
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Workflowy-Csrf': csrf || '' },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { response: response, data: data };
      });
    });
  }

  function messageOf(result) {
    if (result.data && result.data.message) { return result.data.message; }
    if (result.data && result.data.error) { return result.data.error; }
    return 'HTTP ' + result.response.status;
  }

  // ---------------------------------------------------------------- live refresh

  var timer = null;
  var loading = false;
  var again = false;

  function concerns(event) {
    if (!main) { return false; }
    var live = main.getAttribute('data-live');
    if (live === 'overview' || live === 'runs') { return event.kind !== 'log'; }
    var sameRun = event.runId === main.getAttribute('data-run') &&
      (!event.workflow || event.workflow === main.getAttribute('data-workflow'));
    if (live === 'run') { return sameRun && event.kind !== 'log'; }
    if (live === 'task') { return sameRun && (event.kind !== 'log' || event.task === main.getAttribute('data-task')); }
    return false;
  }

  // A run or task page follows its run closely; the overview and the runs list (which read many runs from the store)
  // refresh at most about once a second, however busy the runner is.
  function schedule() {
    if (timer !== null) { return; }
    var live = main ? main.getAttribute('data-live') : 'none';
    timer = window.setTimeout(refresh, live === 'overview' || live === 'runs' ? 1000 : 120);
  }

  function refresh() {
    timer = null;
    if (loading) { again = true; return; }
    loading = true;
    var url = new URL(window.location.href);
    url.searchParams.set('fragment', '1');
    fetch(url.toString(), { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var picked = {};
        main.querySelectorAll('input.pick:checked').forEach(function (input) {
          picked[input.getAttribute('data-workflow') + '\n' + input.getAttribute('data-run')] = true;
        });
        var opened = [];
        main.querySelectorAll('details').forEach(function (details, index) { if (details.open) { opened.push(index); } });
        // The fragment is the server's HTML, in which every value is escaped. It is parsed inert (nothing loads or
        // runs in a parsed document). A page with live parts (data-live-part) has only those replaced, so a form
        // being filled in beside them is left alone; any other page is replaced whole.
        var fresh = new DOMParser().parseFromString('<!doctype html><body>' + html + '</body>', 'text/html');
        var parts = fresh.querySelectorAll('[data-live-part][id]');
        if (parts.length > 0) {
          parts.forEach(function (part) {
            var current = document.getElementById(part.id);
            if (current) { current.replaceWith(part); }
          });
        } else {
          main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.body.childNodes));
        }
        main.querySelectorAll('input.pick').forEach(function (input) {
          if (picked[input.getAttribute('data-workflow') + '\n' + input.getAttribute('data-run')]) { input.checked = true; }
        });
        var all = main.querySelectorAll('details');
        opened.forEach(function (index) { if (all[index]) { all[index].open = true; } });
        var log = document.getElementById('log');
        if (log) { log.scrollTop = log.scrollHeight; }
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        loading = false;
        if (again) { again = false; schedule(); }
      });
  }

  function connect() {
    if (!window.EventSource) { return; }
    var source = new EventSource(base + '/api/events');
    var connectedOnce = false;
    source.addEventListener('hello', function () {
      if (liveStatus) {
        liveStatus.textContent = '● live';
        liveStatus.setAttribute('data-state', 'live');
      }
      // What changed between the page's render and the stream's start (or while it was down) is fetched once.
      var live = main ? main.getAttribute('data-live') : 'none';
      if (connectedOnce || live !== 'none') { schedule(); }
      connectedOnce = true;
    });
    ['run', 'task', 'progress', 'event', 'log', 'action'].forEach(function (kind) {
      source.addEventListener(kind, function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        if (concerns(event)) { schedule(); }
      });
    });
    source.onerror = function () {
      if (liveStatus) {
        liveStatus.textContent = '○ reconnecting';
        liveStatus.setAttribute('data-state', 'down');
      }
    };
  }

  // ---------------------------------------------------------------- actions

  document.addEventListener('click', function (e) {
    var target = e.target instanceof Element ? e.target : null;
    if (!target) { return; }
    var button = target.closest('button[data-action]');
    if (button) {
      e.preventDefault();
      var confirmText = button.getAttribute('data-confirm');
      if (confirmText && !window.confirm(confirmText)) { return; }
      button.disabled = true;
      post(button.getAttribute('data-action'), { expected: button.getAttribute('data-expected'), requestId: requestId() })
        .then(function (result) {
          say(messageOf(result), result.response.ok ? 'ok' : 'error');
          if (result.response.status === 201 && result.data && result.data.url) {
            window.location.assign(result.data.url);
            return;
          }
          schedule();
        })
        .catch(function (error) { say(String(error), 'error'); })
        .then(function () { button.disabled = false; });
      return;
    }

    var bulk = target.closest('button[data-bulk]');
    if (bulk) {
      e.preventDefault();
      var box = bulk.closest('[data-bulk-url]');
      var runs = [];
      main.querySelectorAll('input.pick:checked').forEach(function (input) {
        runs.push({ workflow: input.getAttribute('data-workflow'), runId: input.getAttribute('data-run'), expected: input.getAttribute('data-expected') });
      });
      if (runs.length === 0) { say('Select runs first.', 'error'); return; }
      post(box.getAttribute('data-bulk-url'), { action: bulk.getAttribute('data-bulk'), runs: runs, requestId: requestId() })
        .then(function (result) {
          if (!result.response.ok || !result.data || !result.data.results) { say(messageOf(result), 'error'); return; }
          var done = result.data.results.filter(function (r) { return r.status < 300; }).length;
          var refused = result.data.results.filter(function (r) { return r.status >= 300; });
          say(done + ' done, ' + refused.length + ' refused' + (refused.length ? ': ' + refused.map(function (r) { return r.runId + ' (' + r.message + ')'; }).join('; ') : ''),
            refused.length ? 'error' : 'ok');
          schedule();
        })
        .catch(function (error) { say(String(error), 'error'); });
    }
  });

  function inputValue(field) {
    var kind = field.getAttribute('data-kind');
    var nullable = field.getAttribute('data-nullable') === 'true';
    if (kind === 'boolean') { return { ok: true, value: field.checked }; }
    var text = field.value;
    if (text === '') {
      if (nullable || kind === 'json') { return { ok: true, value: null }; }
      if (kind === 'string') { return { ok: true, value: '' }; }
      return { ok: false, error: field.name + ' is required.' };
    }
    if (kind === 'integer' || kind === 'number') {
      var number = Number(text);
      if (!isFinite(number) || (kind === 'integer' && Math.floor(number) !== number)) {
        return { ok: false, error: field.name + ' must be ' + (kind === 'integer' ? 'a whole number.' : 'a number.') };
      }
      return { ok: true, value: number };
    }
    if (kind === 'json') {
      try { return { ok: true, value: JSON.parse(text) }; } catch (e) { return { ok: false, error: field.name + ' is not JSON: ' + e.message }; }
    }
    return { ok: true, value: text };
  }

  document.addEventListener('submit', function (e) {
    var form = e.target instanceof HTMLFormElement ? e.target : null;
    if (!form || !form.hasAttribute('data-trigger')) { return; }
    e.preventDefault();
    var inputs = {};
    var runId = null;
    var fields = form.querySelectorAll('[data-kind]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.getAttribute('data-kind') === 'runid') { runId = field.value || null; continue; }
      var read = inputValue(field);
      if (!read.ok) { say(read.error, 'error'); return; }
      inputs[field.name] = read.value;
    }
    var submit = form.querySelector('button[type="submit"]');
    if (submit) { submit.disabled = true; }
    post(form.getAttribute('data-trigger'), { inputs: inputs, runId: runId, requestId: requestId() })
      .then(function (result) {
        if (result.response.status === 201 && result.data && result.data.url) {
          window.location.assign(result.data.url);
          return;
        }
        say(messageOf(result), result.response.ok ? 'ok' : 'error');
      })
      .catch(function (error) { say(String(error), 'error'); })
      .then(function () { if (submit) { submit.disabled = false; } });
  });

  connect();
  var log = document.getElementById('log');
  if (log) { log.scrollTop = log.scrollHeight; }
})();
