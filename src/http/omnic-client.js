// omnic.js: swaps 202 placeholders for finished conversions. Include it once: <script src="/omnic.js" defer></script>
(function () {
  'use strict';
  var MAX_TRIES = 12;
  var FIRST_DELAY_MS = 500;
  var MAX_DELAY_MS = 15000;

  function isOmnic(src) {
    return /\/media\/[^?]+\?(.*&)?url=/.test(src);
  }

  function withParam(src, param) {
    return src + (src.indexOf('?') === -1 ? '?' : '&') + param;
  }

  function mark(img, state) {
    img.setAttribute('data-omnic', state);
  }

  /** Polls status=1 with exponential backoff; reloads the image once the conversion is done. */
  function poll(img, src, tries) {
    if (tries >= MAX_TRIES) return mark(img, 'gave-up');
    var delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * Math.pow(2, tries));
    setTimeout(function () {
      fetch(withParam(src, 'status=1'), { credentials: 'same-origin' })
        .then(function (res) { return res.json(); })
        .then(function (status) {
          if (status.ready) {
            mark(img, 'ready');
            img.src = withParam(src, 'omnic_reload=' + Date.now());
          } else if (status.state === 'failed') {
            mark(img, 'failed');
          } else {
            poll(img, src, tries + 1);
          }
        })
        .catch(function () { poll(img, src, tries + 1); });
    }, delay);
  }

  /** A 202 answer means the image shows a placeholder; the resource timing entry tells the status. */
  function watch(img) {
    var src = img.currentSrc || img.src;
    if (!src || !isOmnic(src) || img.getAttribute('data-omnic')) return;
    if (!img.complete) {
      img.addEventListener('load', function () { watch(img); }, { once: true });
      return;
    }
    mark(img, 'checking');
    var entries = window.performance && performance.getEntriesByName ? performance.getEntriesByName(src) : [];
    var code = entries.length ? entries[entries.length - 1].responseStatus : 0;
    if (code === 202) {
      mark(img, 'pending');
      return poll(img, src, 0);
    }
    if (code) return mark(img, code < 400 ? 'ready' : 'failed');
    // Browsers without responseStatus: ask omnic whether the conversion is still under way.
    fetch(withParam(src, 'status=1'), { credentials: 'same-origin' })
      .then(function (res) { return res.json(); })
      .then(function (status) {
        if (status.state === 'queued' || status.state === 'running') {
          mark(img, 'pending');
          poll(img, src, 0);
        } else {
          mark(img, status.ready ? 'ready' : 'failed');
        }
      })
      .catch(function () { mark(img, 'failed'); });
  }

  function scan(root) {
    var imgs = (root || document).querySelectorAll('img');
    for (var i = 0; i < imgs.length; i++) watch(imgs[i]);
  }

  window.omnic = { scan: scan };
  function start() {
    scan();
    if (window.MutationObserver) {
      new MutationObserver(function (records) {
        records.forEach(function (record) {
          record.addedNodes.forEach(function (node) {
            if (node.nodeType !== 1) return;
            if (node.tagName === 'IMG') watch(node);
            else scan(node);
          });
        });
      }).observe(document.documentElement, { childList: true, subtree: true });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
