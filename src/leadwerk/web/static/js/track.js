/*! Leadwerk site tracking snippet. It sets no cookie, stores nothing and sends nothing until
 * the site calls leadwerk('consent', true). See docs/tracking.md. */
(function (window, document) {
  "use strict";
  var KEY = "leadwerk.vid";
  var FLUSH_MS = 1000;
  var MAX_BATCH = 20;
  var script = document.currentScript || document.querySelector('script[src*="/t/track.js"]');
  // Next to the script itself (…/t/track.js → …/t/events), so a path prefix is kept.
  var endpoint = new URL("events", script && script.src ? script.src : window.location.href).href;
  var consented = false;
  var visitorId = null;
  var queue = [];
  var timer = null;

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // blocked storage: the id then lives for this page only
    }
  }

  function loadVisitorId() {
    var store = storage();
    var id = store && store.getItem(KEY);
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      id = randomId();
      if (store) {
        try { store.setItem(KEY, id); } catch (e) { /* full or blocked */ }
      }
    }
    return id;
  }

  function send(events) {
    var body = JSON.stringify({ visitor_id: visitorId, events: events });
    // A string body is sent as text/plain: no CORS preflight, and it survives the page closing.
    if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) {
      return;
    }
    if (window.fetch) {
      window.fetch(endpoint, {
        method: "POST",
        body: body,
        keepalive: true,
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "text/plain" }
      }).catch(function () {});
    }
  }

  function flush() {
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
    while (consented && queue.length) {
      send(queue.splice(0, MAX_BATCH));
    }
  }

  function push(event) {
    if (!consented) {
      return; // before consent nothing is kept, not even in memory
    }
    event.ts = Date.now();
    queue.push(event);
    if (queue.length >= MAX_BATCH) {
      flush();
    } else if (!timer) {
      timer = window.setTimeout(flush, FLUSH_MS);
    }
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function pageView() {
    push({
      type: "page_view",
      url: window.location.href,
      referrer: document.referrer || null,
      title: document.title || null
    });
  }

  var commands = {
    consent: function (granted) {
      if (granted === true) {
        if (consented) {
          return;
        }
        consented = true;
        visitorId = loadVisitorId();
        pageView();
      } else {
        consented = false;
        queue = [];
        visitorId = null;
        var store = storage();
        if (store) {
          try { store.removeItem(KEY); } catch (e) { /* blocked */ }
        }
      }
    },
    page: function () {
      pageView();
    },
    track: function (name, props) {
      if (typeof name !== "string" || !name) {
        return;
      }
      push({ type: "event", name: name, url: window.location.href, props: isObject(props) ? props : undefined });
    },
    identify: function (traits) {
      if (isObject(traits)) {
        push({ type: "identify", url: window.location.href, props: traits });
        flush();
      }
    },
    cart_abandoned: function (cart) {
      if (isObject(cart)) {
        push({ type: "cart_abandoned", url: window.location.href, props: cart });
        flush();
      }
    },
    flush: function () {
      flush();
    }
  };

  function leadwerk(command) {
    var handler = Object.prototype.hasOwnProperty.call(commands, command) ? commands[command] : null;
    if (handler) {
      handler.apply(null, Array.prototype.slice.call(arguments, 1));
    }
  }

  var waiting = (window.leadwerk && window.leadwerk.q) || [];
  leadwerk.q = [];
  leadwerk.visitorId = function () {
    return consented ? visitorId : null;
  };
  window.leadwerk = leadwerk;
  for (var i = 0; i < waiting.length; i++) {
    leadwerk.apply(null, Array.prototype.slice.call(waiting[i]));
  }

  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
})(window, document);
