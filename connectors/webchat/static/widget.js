/*!
 * DVC Assistant — web chat widget (vanilla JS, no dependencies).
 *
 * Embed with one tag:
 *   <script src="https://host/static/webchat/widget.js"
 *           data-server="http://localhost:5005"
 *           data-commune="Xã Tân Phú" defer></script>
 *
 * Optional attributes:
 *   data-server  Rasa server base URL (default: the origin this script is served from)
 *   data-commune commune name shown in the header
 *   data-title   replaces the whole header title
 *   data-open    "true" opens the panel on first load
 *   data-events  URL of the dossier-update stream (default: {script origin}/webchat/events)
 *   data-updates URL of the dossier-update poll (default: {script origin}/webchat/updates)
 *   data-poll-ms how often to poll when the stream cannot be used (default 15000)
 *
 * Talks to Rasa's REST channel: POST {server}/webhooks/rest/webhook
 * Global API: window.DVCWebchat = { open(), close(), send(text) }
 *
 * Security: all bot text is inserted with text nodes; links are built with
 * createElement and only for http(s) URLs. Nothing is ever set via innerHTML.
 */
(function () {
  'use strict';

  if (window.DVCWebchat && window.DVCWebchat.__dvc) {
    return; // already loaded on this page
  }

  // ------------------------------------------------------------------
  // Configuration
  // ------------------------------------------------------------------
  var script =
    document.currentScript ||
    document.querySelector('script[data-server][src*="widget.js"]') ||
    document.querySelector('script[src*="widget.js"]');

  function attr(name) {
    if (!script) return null;
    var v = script.getAttribute(name);
    return v === null ? null : String(v).trim();
  }

  function scriptOrigin() {
    try {
      if (script && script.src) return new URL(script.src, window.location.href).origin;
    } catch (e) { /* ignore */ }
    return window.location.origin;
  }

  var SERVER = (attr('data-server') || scriptOrigin()).replace(/\/+$/, '');
  var COMMUNE = attr('data-commune') || '';
  var TITLE = attr('data-title') ||
    ('Trợ lý dịch vụ công' + (COMMUNE ? ' — ' + COMMUNE : ''));
  var OPEN_ON_LOAD = (attr('data-open') || '').toLowerCase() === 'true';

  var ENDPOINT = SERVER + '/webhooks/rest/webhook';
  // Photos/PDFs of papers go to the back-office (the origin this script is served from, or data-upload).
  var UPLOAD_URL = (attr('data-upload') || (scriptOrigin() + '/api/uploads')).replace(/\/+$/, '');
  var MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
  // Officers' steps on the citizen's dossier, delivered by the back-office through Rasa: REST cannot push,
  // so the back-office streams them (Server-Sent Events); the widget polls every POLL_MS only while the
  // stream is unavailable.
  var EVENTS_URL = (attr('data-events') || (scriptOrigin() + '/webchat/events')).replace(/\/+$/, '');
  var UPDATES_URL = (attr('data-updates') || (scriptOrigin() + '/webchat/updates')).replace(/\/+$/, '');
  var POLL_MS = parseInt(attr('data-poll-ms') || '15000', 10) || 15000;
  var KEY_SENDER = 'dvc-webchat:sender:' + SERVER;
  var KEY_TRANSCRIPT = 'dvc-webchat:transcript:' + SERVER;
  var KEY_OPEN = 'dvc-webchat:open:' + SERVER;
  var KEY_LAST_UPDATE = 'dvc-webchat:last-update:' + SERVER;
  var MAX_ENTRIES = 200;
  var MAX_LEN = 2000;
  var TIMEOUT_MS = 30000;
  var GREET_PAYLOAD = '/greet';

  var TXT = {
    launcher: 'Mở trợ lý dịch vụ công',
    launcherLabel: 'Hỏi trợ lý',
    close: 'Đóng cửa sổ trò chuyện',
    reset: 'Cuộc trò chuyện mới',
    subtitle: 'Trả lời tự động',
    placeholder: 'Nhập câu hỏi của anh/chị…',
    inputLabel: 'Câu hỏi của anh/chị',
    send: 'Gửi',
    typing: 'Trợ lý đang trả lời…',
    error: 'Xin lỗi, hệ thống đang bận hoặc mất kết nối. Anh/chị vui lòng thử lại.',
    retry: 'Thử lại',
    messages: 'Nội dung trò chuyện',
    image: 'Hình ảnh từ trợ lý'
  };

  // ------------------------------------------------------------------
  // Storage helpers (localStorage may be unavailable / full / blocked)
  // ------------------------------------------------------------------
  function lsGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function lsSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* ignore */ }
  }
  function lsRemove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function newId() {
    var c = window.crypto || window.msCrypto;
    try {
      if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    } catch (e) { /* not a secure context */ }
    var bytes = new Array(16);
    var i;
    if (c && typeof c.getRandomValues === 'function') {
      var arr = new Uint8Array(16);
      c.getRandomValues(arr);
      for (i = 0; i < 16; i++) bytes[i] = arr[i];
    } else {
      for (i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = bytes.map(function (b) { return (b + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' +
      hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function getSender() {
    var id = lsGet(KEY_SENDER);
    if (!id) {
      id = newId();
      lsSet(KEY_SENDER, id);
    }
    return id;
  }

  function sanitizeButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    var out = [];
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      if (!b || typeof b !== 'object') continue;
      var title = b.title != null ? String(b.title) : '';
      var payload = b.payload != null ? String(b.payload) : title;
      if (!title && !payload) continue;
      out.push({ title: title || payload, payload: payload || title });
    }
    return out;
  }

  // Links and files the assistant attaches (custom.dvc: a payment page, a result PDF, a QR image).
  function sanitizeLinks(links) {
    if (!Array.isArray(links)) return [];
    var out = [];
    for (var i = 0; i < links.length; i++) {
      var l = links[i];
      if (!l || typeof l !== 'object' || typeof l.url !== 'string' || !/^https?:\/\//i.test(l.url)) continue;
      out.push({ title: l.title != null && String(l.title) ? String(l.title) : l.url, url: l.url });
    }
    return out;
  }

  function attachExtras(entry, custom) {
    var dvc = custom && typeof custom === 'object' ? custom.dvc : null;
    if (!dvc || typeof dvc !== 'object') return;
    var links = sanitizeLinks(dvc.links);
    var files = Array.isArray(dvc.files) ? dvc.files : [];
    files.forEach(function (f) {
      if (!f || typeof f.url !== 'string' || !/^https?:\/\//i.test(f.url)) return;
      if (entry.text && entry.text.indexOf(f.url) !== -1) return; // already a link in the text
      if (/^image\//.test(String(f.content_type || '')) && !entry.image) entry.image = f.url;
      else links.push({ title: String(f.filename || f.url), url: f.url });
    });
    if (links.length) entry.links = links;
  }

  function loadTranscript() {
    var raw = lsGet(KEY_TRANSCRIPT);
    if (!raw) return [];
    try {
      var data = JSON.parse(raw);
      if (!Array.isArray(data)) return [];
      var out = [];
      for (var i = 0; i < data.length; i++) {
        var e = data[i];
        if (!e || (e.from !== 'user' && e.from !== 'bot')) continue;
        var entry = { from: e.from, text: e.text != null ? String(e.text) : '' };
        var buttons = sanitizeButtons(e.buttons);
        if (buttons.length) entry.buttons = buttons;
        if (typeof e.image === 'string' && e.image) entry.image = e.image;
        var links = sanitizeLinks(e.links);
        if (links.length) entry.links = links;
        out.push(entry);
      }
      return out.slice(-MAX_ENTRIES);
    } catch (err) {
      return [];
    }
  }

  var senderId = getSender();
  var transcript = loadTranscript();

  function saveTranscript() {
    if (transcript.length > MAX_ENTRIES) transcript = transcript.slice(-MAX_ENTRIES);
    lsSet(KEY_TRANSCRIPT, JSON.stringify(transcript));
  }

  // ------------------------------------------------------------------
  // Styles (every selector is prefixed with dvc-)
  // ------------------------------------------------------------------
  var CSS = [
    '.dvc-root, .dvc-root * { box-sizing: border-box; }',
    /* neutralise common host-page rules (e.g. `div { margin }`, `* { font-size }`) */
    '.dvc-root * { margin: 0; padding: 0; float: none; font-family: inherit; font-size: inherit;',
    '  line-height: inherit; letter-spacing: inherit; text-transform: inherit; text-indent: 0; }',
    '.dvc-root { position: fixed; z-index: 2147483000; right: 0; bottom: 0; width: 0; height: 0;',
    '  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;',
    '  font-size: 16px; line-height: 1.45; color: #1c2733; text-align: left; letter-spacing: normal;',
    '  text-transform: none; font-weight: 400; font-style: normal; }',
    '.dvc-root button, .dvc-root input { font-family: inherit; font-size: inherit; line-height: inherit;',
    '  letter-spacing: normal; text-transform: none; margin: 0; box-shadow: none; text-shadow: none; }',
    '.dvc-root button { cursor: pointer; -webkit-appearance: none; appearance: none; }',
    '.dvc-root svg { display: block; fill: currentColor; }',
    '.dvc-root [hidden] { display: none !important; }',
    '.dvc-sr-only { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;',
    '  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }',

    /* launcher */
    '#dvc-chat-launcher { position: fixed; right: 24px; bottom: 24px; display: inline-flex; align-items: center;',
    '  gap: 10px; min-width: 60px; height: 60px; padding: 0 22px 0 18px; border: 0; border-radius: 30px;',
    '  background: #0b4ea2; color: #fff; font-size: 16px; font-weight: 600;',
    '  box-shadow: 0 6px 18px rgba(11, 40, 90, .35); transition: background-color .15s, transform .15s; }',
    '#dvc-chat-launcher:hover { background: #083d80; }',
    '#dvc-chat-launcher:active { transform: scale(.97); }',
    '#dvc-chat-launcher svg { width: 26px; height: 26px; flex: none; }',
    '#dvc-chat-launcher .dvc-icon-close { display: none; }',
    '#dvc-chat-launcher[aria-expanded="true"] { padding: 0; width: 60px; justify-content: center; background: #c8102e; }',
    '#dvc-chat-launcher[aria-expanded="true"]:hover { background: #a50d26; }',
    '#dvc-chat-launcher[aria-expanded="true"] .dvc-icon-chat,',
    '#dvc-chat-launcher[aria-expanded="true"] .dvc-launcher-label { display: none; }',
    '#dvc-chat-launcher[aria-expanded="true"] .dvc-icon-close { display: block; }',

    /* panel */
    '#dvc-chat-panel { position: fixed; right: 24px; bottom: 100px; width: 390px; max-width: calc(100vw - 32px);',
    '  height: 620px; max-height: calc(100vh - 124px); display: flex; flex-direction: column;',
    '  background: #fff; border-radius: 14px; overflow: hidden; border: 1px solid #d5dde8;',
    '  box-shadow: 0 12px 40px rgba(16, 37, 73, .28); }',
    '#dvc-chat-panel[hidden] { display: none !important; }',

    /* header */
    '.dvc-header { flex: none; background: #0b4ea2; color: #fff; border-bottom: 3px solid #c8102e; }',
    '.dvc-header-row { display: flex; align-items: center; gap: 10px; padding: 10px 8px 4px 14px; }',
    '.dvc-avatar { flex: none; width: 38px; height: 38px; border-radius: 50%; background: #fff; color: #c8102e;',
    '  display: flex; align-items: center; justify-content: center; }',
    '.dvc-avatar svg { width: 24px; height: 24px; }',
    '#dvc-chat-title { flex: 1 1 auto; min-width: 0; margin: 0; padding: 0; font-size: 16px; font-weight: 700;',
    '  line-height: 1.3; color: #fff; }',
    '.dvc-header-sub { display: flex; align-items: center; justify-content: space-between; gap: 8px;',
    '  padding: 0 8px 4px 62px; font-size: 13px; color: #dbe7f7; }',
    '.dvc-status { display: inline-flex; align-items: center; gap: 6px; min-width: 0; }',
    '.dvc-status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #4ade80; flex: none; }',
    '#dvc-chat-close { flex: none; width: 40px; height: 40px; padding: 0; border: 0; border-radius: 8px;',
    '  background: transparent; color: #fff; display: flex; align-items: center; justify-content: center; }',
    '#dvc-chat-close svg { width: 22px; height: 22px; }',
    '#dvc-chat-close:hover { background: rgba(255,255,255,.15); }',
    '#dvc-chat-reset { flex: none; min-height: 40px; padding: 0 8px; border: 0; border-radius: 8px;',
    '  background: transparent; color: #fff; font-size: 13px; font-weight: 600; text-decoration: underline;',
    '  text-underline-offset: 3px; display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; }',
    '#dvc-chat-reset svg { width: 16px; height: 16px; }',
    '#dvc-chat-reset:hover { background: rgba(255,255,255,.15); }',

    /* messages */
    '#dvc-chat-messages { flex: 1 1 auto; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 8px;',
    '  background: #f4f6fa; display: flex; flex-direction: column; gap: 8px; }',
    '.dvc-msg { max-width: 85%; margin: 0; padding: 10px 14px; border-radius: 16px; font-size: 16px;',
    '  line-height: 1.45; white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; }',
    '.dvc-bot { align-self: flex-start; background: #fff; color: #1c2733; border: 1px solid #dde3ec;',
    '  border-bottom-left-radius: 4px; }',
    '.dvc-user { align-self: flex-end; background: #0b4ea2; color: #fff; border-bottom-right-radius: 4px; }',
    '.dvc-bot a { color: #0b4ea2; text-decoration: underline; }',
    '.dvc-bot a:hover { color: #083d80; }',
    '.dvc-image { padding: 4px; }',
    '.dvc-image img { display: block; max-width: 100%; height: auto; border-radius: 12px; }',
    '.dvc-error { align-self: flex-start; background: #fdecee; color: #8a1020; border: 1px solid #f3b7bf;',
    '  border-bottom-left-radius: 4px; }',
    '.dvc-error-text { display: block; }',
    '.dvc-retry { display: inline-flex; align-items: center; justify-content: center; margin-top: 8px !important;',
    '  min-height: 40px; padding: 0 16px; border: 1px solid #c8102e; border-radius: 20px; background: #fff;',
    '  color: #c8102e; font-size: 15px; font-weight: 600; white-space: nowrap; }',
    '.dvc-retry:hover { background: #c8102e; color: #fff; }',

    /* quick replies */
    '.dvc-quick-replies { align-self: flex-start; display: flex; flex-wrap: wrap; gap: 8px; max-width: 100%;',
    '  margin: 2px 0 4px; }',
    '.dvc-links { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 8px; }',
    '.dvc-link-button { display: inline-block; padding: 8px 16px; border-radius: 20px; background: #0b4ea2;',
    '  color: #fff; text-decoration: none; font-weight: 600; }',
    '.dvc-link-button:focus, .dvc-link-button:hover { background: #083b7a; color: #fff; }',
    '.dvc-quick-reply { min-height: 40px; padding: 8px 16px; border: 1px solid #0b4ea2; border-radius: 20px;',
    '  background: #fff; color: #0b4ea2; font-size: 15px; font-weight: 600; text-align: left; line-height: 1.3;',
    '  white-space: normal; overflow-wrap: anywhere; }',
    '.dvc-quick-reply:hover { background: #0b4ea2; color: #fff; }',
    '.dvc-quick-reply:disabled { opacity: .55; cursor: default; background: #fff; color: #0b4ea2; }',

    /* typing indicator */
    '.dvc-typing { align-self: flex-start; display: inline-flex; gap: 5px; align-items: center; padding: 14px 16px;',
    '  background: #fff; border: 1px solid #dde3ec; border-radius: 16px; border-bottom-left-radius: 4px; }',
    '.dvc-typing span { width: 8px; height: 8px; border-radius: 50%; background: #7d8ca3;',
    '  animation: dvc-bounce 1.2s infinite ease-in-out; }',
    '.dvc-typing span:nth-child(2) { animation-delay: .15s; }',
    '.dvc-typing span:nth-child(3) { animation-delay: .3s; }',
    '@keyframes dvc-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; }',
    '  40% { transform: translateY(-5px); opacity: 1; } }',

    /* composer */
    '.dvc-composer { flex: none; display: flex; gap: 8px; align-items: center; padding: 10px 12px;',
    '  padding-bottom: calc(10px + env(safe-area-inset-bottom, 0px)); background: #fff; border-top: 1px solid #dde3ec; }',
    '#dvc-chat-input { flex: 1 1 auto; min-width: 0; height: 44px; padding: 0 14px; border: 1px solid #b9c4d3;',
    '  border-radius: 22px; background: #fff; color: #1c2733; font-size: 16px; outline: none; }',
    '#dvc-chat-input::placeholder { color: #6b7a90; opacity: 1; }',
    '#dvc-chat-input:focus { border-color: #0b4ea2; box-shadow: 0 0 0 3px rgba(11, 78, 162, .25); }',
    '#dvc-chat-send { flex: none; min-width: 64px; height: 44px; padding: 0 18px; border: 0; border-radius: 22px;',
    '  background: #c8102e; color: #fff; font-size: 16px; font-weight: 700; }',
    '#dvc-chat-send:hover { background: #a50d26; }',
    '#dvc-chat-send:disabled { background: #9aa6b6; cursor: not-allowed; }',
    '#dvc-chat-attach { flex: none; width: 44px; height: 44px; border: 1px solid #c9d3e0; border-radius: 22px;',
    '  background: #f3f6fa; font-size: 20px; cursor: pointer; padding: 0; }',
    '#dvc-chat-attach:disabled { opacity: .5; cursor: not-allowed; }',
    '#dvc-chat-file { display: none; }',
    '.dvc-footnote { flex: none; margin: 0; padding: 0 12px 8px; background: #fff; font-size: 12px; color: #6b7a90;',
    '  text-align: center; }',

    /* focus styles */
    '.dvc-root button:focus { outline: none; }',
    '.dvc-root button:focus-visible, .dvc-root a:focus-visible { outline: 3px solid #f5b800; outline-offset: 2px; }',
    '#dvc-chat-launcher:focus-visible { outline: 3px solid #f5b800; outline-offset: 3px; }',

    /* phones: the open panel fills the viewport */
    '@media (max-width: 480px) {',
    '  #dvc-chat-launcher { right: 16px; bottom: 16px; padding: 0; width: 60px; justify-content: center; }',
    '  #dvc-chat-launcher .dvc-launcher-label { display: none; }',
    '  #dvc-chat-panel { top: 0; left: 0; right: 0; bottom: 0; width: 100%; max-width: none; height: 100%;',
    '    max-height: none; border-radius: 0; border: 0; }',
    '  .dvc-root.dvc-is-open #dvc-chat-launcher { display: none; }',
    '  .dvc-msg { max-width: 90%; }',
    '}',
    '@media (prefers-reduced-motion: reduce) {',
    '  .dvc-typing span { animation: none; }',
    '  #dvc-chat-launcher { transition: none; }',
    '}'
  ].join('\n');

  // ------------------------------------------------------------------
  // DOM helpers
  // ------------------------------------------------------------------
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      for (var k in props) {
        if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
        var v = props[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'className') node.className = v;
        else if (k === 'text') node.textContent = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    if (children) {
      for (var i = 0; i < children.length; i++) {
        if (children[i]) node.appendChild(children[i]);
      }
    }
    return node;
  }

  function icon(pathD, className) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    if (className) svg.setAttribute('class', className);
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', pathD);
    svg.appendChild(path);
    return svg;
  }

  var ICON_CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-4.6 3.7A.9.9 0 0 1 3 21V5a2 2 0 0 1 1-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z';
  var ICON_CLOSE = 'M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z';
  var ICON_RESET = 'M12 5V2L8 6l4 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z';
  var ICON_STAR = 'M12 2.5l2.8 6.1 6.7.7-5 4.5 1.4 6.6L12 17.1l-5.9 3.3 1.4-6.6-5-4.5 6.7-.7z';

  // Split text into text nodes and <a> elements for http(s) URLs.
  var URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
  var TRAILING_PUNCT = /[.,;:!?…)\]}»"'“”’]+$/;

  function appendRichText(parent, text) {
    text = text == null ? '' : String(text);
    var last = 0;
    var m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      var url = m[0];
      var trail = url.match(TRAILING_PUNCT);
      if (trail) {
        // keep a closing bracket if the URL itself contains the opening one
        var t = trail[0];
        if (t.charAt(0) === ')' && url.indexOf('(') !== -1) t = t.slice(1);
        url = url.slice(0, url.length - t.length);
      }
      if (!/^https?:\/\/[^\s/?#]+/i.test(url)) continue;
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement('a');
      a.setAttribute('href', url);
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
      a.appendChild(document.createTextNode(url));
      parent.appendChild(a);
      last = m.index + url.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ------------------------------------------------------------------
  // Build the UI
  // ------------------------------------------------------------------
  var root, launcher, panel, messagesEl, input, sendBtn, resetBtn, closeBtn, attachBtn, fileInput;
  var typingEl = null;
  var isOpen = false;
  var busy = false;
  var epoch = 0;            // bumped on reset: late responses of old conversations are ignored
  var inflight = null;      // AbortController of the current request
  var pendingApi = null;    // one message sent through DVCWebchat.send() while busy

  function build() {
    var style = el('style', { className: 'dvc-style', 'data-dvc-webchat': '' });
    style.appendChild(document.createTextNode(CSS));
    (document.head || document.documentElement).appendChild(style);

    root = el('div', { className: 'dvc-root', id: 'dvc-webchat', lang: 'vi' });

    var launcherLabel = el('span', { className: 'dvc-launcher-label', 'aria-hidden': 'true', text: TXT.launcherLabel });
    launcher = el('button', {
      type: 'button',
      id: 'dvc-chat-launcher',
      'aria-label': TXT.launcher,
      title: TXT.launcher,
      'aria-expanded': 'false',
      'aria-controls': 'dvc-chat-panel'
    }, [icon(ICON_CHAT, 'dvc-icon-chat'), icon(ICON_CLOSE, 'dvc-icon-close'), launcherLabel]);

    var title = el('div', { id: 'dvc-chat-title', role: 'heading', 'aria-level': '2', text: TITLE });
    closeBtn = el('button', {
      type: 'button', id: 'dvc-chat-close', className: 'dvc-close',
      'aria-label': TXT.close, title: TXT.close
    }, [icon(ICON_CLOSE)]);
    resetBtn = el('button', {
      type: 'button', id: 'dvc-chat-reset', className: 'dvc-reset', title: TXT.reset
    }, [icon(ICON_RESET), el('span', { text: TXT.reset })]);

    var header = el('div', { className: 'dvc-header' }, [
      el('div', { className: 'dvc-header-row' }, [
        el('div', { className: 'dvc-avatar', 'aria-hidden': 'true' }, [icon(ICON_STAR)]),
        title,
        closeBtn
      ]),
      el('div', { className: 'dvc-header-sub' }, [
        el('span', { className: 'dvc-status', text: TXT.subtitle }),
        resetBtn
      ])
    ]);

    messagesEl = el('div', {
      id: 'dvc-chat-messages',
      className: 'dvc-messages',
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      'aria-label': TXT.messages,
      tabindex: '0'
    });

    input = el('input', {
      type: 'text',
      id: 'dvc-chat-input',
      className: 'dvc-input',
      placeholder: TXT.placeholder,
      maxlength: String(MAX_LEN),
      autocomplete: 'off',
      enterkeyhint: 'send',
      'aria-label': TXT.inputLabel
    });
    sendBtn = el('button', { type: 'button', id: 'dvc-chat-send', className: 'dvc-send', text: TXT.send });
    attachBtn = el('button', {
      type: 'button', id: 'dvc-chat-attach', title: 'Đính kèm ảnh hoặc PDF giấy tờ',
      'aria-label': 'Đính kèm ảnh hoặc PDF giấy tờ', text: '\uD83D\uDCCE'
    });
    fileInput = el('input', { type: 'file', id: 'dvc-chat-file', accept: 'image/jpeg,image/png,application/pdf' });

    var composer = el('div', { className: 'dvc-composer' }, [attachBtn, fileInput, input, sendBtn]);

    panel = el('div', {
      id: 'dvc-chat-panel',
      className: 'dvc-panel',
      role: 'dialog',
      'aria-modal': 'false',
      'aria-labelledby': 'dvc-chat-title',
      hidden: true
    }, [header, messagesEl, composer]);

    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    // events
    launcher.addEventListener('click', function () {
      if (isOpen) close(); else open({ focus: true });
    });
    closeBtn.addEventListener('click', function () { close(); });
    resetBtn.addEventListener('click', function () { reset(); });
    sendBtn.addEventListener('click', function () { submitInput(); });
    attachBtn.addEventListener('click', function () { if (!busy) fileInput.click(); });
    fileInput.addEventListener('change', function () {
      var file = fileInput.files && fileInput.files[0];
      fileInput.value = '';
      if (file) uploadFile(file);
    });
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
        ev.preventDefault();
        submitInput();
      }
    });
    input.addEventListener('input', updateSendState);
    root.addEventListener('keydown', function (ev) {
      if ((ev.key === 'Escape' || ev.key === 'Esc') && isOpen) {
        ev.preventDefault();
        close();
      }
    });

    renderTranscript();
    updateSendState();
  }

  // ------------------------------------------------------------------
  // Rendering
  // ------------------------------------------------------------------
  function scrollToBottom() {
    messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  function renderQuickReplies(buttons) {
    var box = el('div', { className: 'dvc-quick-replies', role: 'group', 'aria-label': 'Gợi ý trả lời' });
    buttons.forEach(function (b) {
      var btn = el('button', { type: 'button', className: 'dvc-quick-reply', text: b.title });
      btn.addEventListener('click', function () {
        if (busy) return;
        sendMessage(b.payload, b.title);
      });
      box.appendChild(btn);
    });
    return box;
  }

  function renderEntry(entry, withButtons) {
    if (entry.from === 'user') {
      var u = el('div', { className: 'dvc-msg dvc-user' });
      u.appendChild(document.createTextNode(entry.text));
      messagesEl.appendChild(u);
      return;
    }
    if (entry.text) {
      var b = el('div', { className: 'dvc-msg dvc-bot' });
      appendRichText(b, entry.text);
      messagesEl.appendChild(b);
    }
    if (entry.image && /^https?:\/\//i.test(entry.image)) {
      var img = el('img', { src: entry.image, alt: TXT.image, loading: 'lazy' });
      img.addEventListener('load', scrollToBottom);
      messagesEl.appendChild(el('div', { className: 'dvc-msg dvc-bot dvc-image' }, [img]));
    }
    if (entry.links && entry.links.length) {
      var box = el('div', { className: 'dvc-links' });
      entry.links.forEach(function (l) {
        box.appendChild(
          el('a', { className: 'dvc-link-button', href: l.url, target: '_blank', rel: 'noopener noreferrer', text: l.title })
        );
      });
      messagesEl.appendChild(box);
    }
    if (withButtons && entry.buttons && entry.buttons.length) {
      messagesEl.appendChild(renderQuickReplies(entry.buttons));
    }
  }

  function renderTranscript() {
    while (messagesEl.firstChild) messagesEl.removeChild(messagesEl.firstChild);
    typingEl = null;
    var lastUser = -1;
    for (var i = 0; i < transcript.length; i++) if (transcript[i].from === 'user') lastUser = i;
    for (var j = 0; j < transcript.length; j++) {
      // only the bot messages after the user's last message keep their quick replies
      renderEntry(transcript[j], j > lastUser);
    }
    scrollToBottom();
  }

  function addEntry(entry) {
    transcript.push(entry);
    saveTranscript();
    renderEntry(entry, true);
    if (typingEl) messagesEl.appendChild(typingEl); // keep the indicator last
    scrollToBottom();
    startUpdates(); // the conversation has started
  }

  function clearQuickReplies() {
    var boxes = messagesEl.querySelectorAll('.dvc-quick-replies');
    for (var i = 0; i < boxes.length; i++) boxes[i].parentNode.removeChild(boxes[i]);
  }

  function retireErrors() {
    var btns = messagesEl.querySelectorAll('.dvc-retry');
    for (var i = 0; i < btns.length; i++) btns[i].parentNode.removeChild(btns[i]);
  }

  function showTyping() {
    if (typingEl) return;
    typingEl = el('div', { className: 'dvc-typing', role: 'status', 'aria-label': TXT.typing, title: TXT.typing },
      [el('span'), el('span'), el('span')]);
    messagesEl.appendChild(typingEl);
    scrollToBottom();
  }

  function hideTyping() {
    if (typingEl && typingEl.parentNode) typingEl.parentNode.removeChild(typingEl);
    typingEl = null;
  }

  function showError(payload) {
    var retryBtn = el('button', { type: 'button', className: 'dvc-retry', text: TXT.retry });
    var bubble = el('div', { className: 'dvc-msg dvc-error' }, [
      el('span', { className: 'dvc-error-text', text: TXT.error }),
      retryBtn
    ]);
    retryBtn.addEventListener('click', function () {
      if (busy) return;
      if (bubble.parentNode) bubble.parentNode.removeChild(bubble);
      request(payload);
    });
    messagesEl.appendChild(bubble);
    scrollToBottom();
  }

  function updateSendState() {
    if (!sendBtn) return;
    sendBtn.disabled = busy;
    if (attachBtn) attachBtn.disabled = busy;
    sendBtn.setAttribute('aria-busy', busy ? 'true' : 'false');
    var qr = messagesEl.querySelectorAll('.dvc-quick-reply, .dvc-retry');
    for (var i = 0; i < qr.length; i++) qr[i].disabled = busy;
  }

  // ------------------------------------------------------------------
  // Attachments: upload to the back-office, then tell the assistant the upload id
  // ------------------------------------------------------------------
  function uploadFile(file) {
    if (busy) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      addEntry({ from: 'bot', text: 'Dạ, tệp lớn hơn 10 MB, anh/chị gửi ảnh nhỏ hơn hoặc nén PDF ạ.' });
      return;
    }
    var data = new FormData();
    data.append('file', file, file.name);
    busy = true;
    updateSendState();
    showTyping();
    fetch(UPLOAD_URL, { method: 'POST', body: data, credentials: 'omit', mode: 'cors' })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body || {} }; });
      })
      .then(function (result) {
        hideTyping();
        busy = false;
        updateSendState();
        if (!result.ok || !result.body.upload_id) {
          addEntry({ from: 'bot', text: String(result.body.error || 'Dạ, em chưa nhận được tệp, anh/chị thử lại ạ.') });
          return;
        }
        var payload = '/attach' + JSON.stringify({ upload_id: String(result.body.upload_id) });
        sendMessage(payload, '\uD83D\uDCCE ' + String(result.body.filename || file.name));
      })
      .catch(function () {
        hideTyping();
        busy = false;
        updateSendState();
        addEntry({ from: 'bot', text: 'Dạ, em chưa gửi được tệp (mất kết nối), anh/chị thử lại ạ.' });
      });
  }

  // ------------------------------------------------------------------
  // Networking
  // ------------------------------------------------------------------
  function request(payload) {
    if (busy) return Promise.resolve(false);
    busy = true;
    var myEpoch = epoch;
    updateSendState();
    showTyping();

    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    inflight = controller;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;

    var opts = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify({ sender: senderId, message: payload }),
      credentials: 'omit',
      mode: 'cors'
    };
    if (controller) opts.signal = controller.signal;

    function done() {
      if (timer) clearTimeout(timer);
      if (inflight === controller) inflight = null;
    }

    return fetch(ENDPOINT, opts)
      .then(function (res) {
        if (!res.ok && res.status !== 429) throw new Error('HTTP ' + res.status);  // 429: the polite reply it carries is shown
        return res.text();
      })
      .then(function (body) {
        done();
        if (myEpoch !== epoch) return false;
        var data = body ? JSON.parse(body) : [];
        if (!Array.isArray(data)) data = [];
        hideTyping();
        busy = false;
        data.forEach(function (msg) {
          if (!msg || typeof msg !== 'object') return;
          var entry = { from: 'bot', text: msg.text != null ? String(msg.text) : '' };
          var buttons = sanitizeButtons(msg.buttons);
          if (buttons.length) entry.buttons = buttons;
          if (typeof msg.image === 'string' && /^https?:\/\//i.test(msg.image)) entry.image = msg.image;
          attachExtras(entry, msg.custom);
          if (entry.text || entry.buttons || entry.image || entry.links) addEntry(entry);
        });
        updateSendState();
        flushPending();
        return true;
      })
      .catch(function () {
        done();
        if (myEpoch !== epoch) return false;
        hideTyping();
        busy = false;
        showError(payload);
        updateSendState();
        flushPending();
        return false;
      });
  }

  function flushPending() {
    if (!pendingApi || busy) return;
    var p = pendingApi;
    pendingApi = null;
    sendMessage(p.text, p.text).then(p.resolve);
  }

  // payload is what the server receives, display is what the user's bubble shows
  function sendMessage(payload, display, silent) {
    if (busy) return Promise.resolve(false);
    clearQuickReplies();
    retireErrors();
    if (!silent) addEntry({ from: 'user', text: display != null ? display : payload });
    return request(payload);
  }

  function submitInput() {
    if (busy) return;
    var text = input.value.replace(/^\s+|\s+$/g, '');
    if (!text) {
      input.value = '';
      return;
    }
    if (text.length > MAX_LEN) text = text.slice(0, MAX_LEN);
    input.value = '';
    sendMessage(text, text);
    input.focus();
  }

  // ------------------------------------------------------------------
  // Open / close / reset
  // ------------------------------------------------------------------
  function open(opts) {
    opts = opts || {};
    if (!root) return;
    if (!isOpen) {
      isOpen = true;
      panel.hidden = false;
      root.classList.add('dvc-is-open');
      launcher.setAttribute('aria-expanded', 'true');
      lsSet(KEY_OPEN, '1');
      scrollToBottom();
      if (pollTimer) pollUpdates(); // no healthy stream: catch up now rather than at the next poll
    }
    if (opts.focus) {
      try { input.focus({ preventScroll: true }); } catch (e) { input.focus(); }
    }
    if (!opts.noGreet && transcript.length === 0 && !busy &&
        !messagesEl.querySelector('.dvc-error')) {
      sendMessage(GREET_PAYLOAD, null, true);
    }
  }

  function close() {
    if (!root || !isOpen) return;
    var hadFocus = panel.contains(document.activeElement);
    isOpen = false;
    panel.hidden = true;
    root.classList.remove('dvc-is-open');
    launcher.setAttribute('aria-expanded', 'false');
    lsSet(KEY_OPEN, '0');
    if (hadFocus) launcher.focus();
  }

  function reset() {
    epoch++;
    if (inflight) {
      try { inflight.abort(); } catch (e) { /* ignore */ }
      inflight = null;
    }
    busy = false;
    pendingApi = null;
    stopUpdates();
    lsRemove(KEY_SENDER);
    lsRemove(KEY_TRANSCRIPT);
    lsRemove(KEY_LAST_UPDATE);
    senderId = getSender();
    transcript = [];
    renderTranscript();
    updateSendState();
    input.value = '';
    if (isOpen) {
      input.focus();
      sendMessage(GREET_PAYLOAD, null, true);
    }
  }

  // ------------------------------------------------------------------
  // Dossier updates pushed by the back-office
  // ------------------------------------------------------------------
  var polling = false;
  var pollTimer = null;      // set while updates are polled (no EventSource, or the stream has failed)
  var stream = null;         // the EventSource of the current conversation
  var reconnectTimer = null; // a stream the browser gave up on is opened again later

  function lastUpdateId() {
    return parseInt(lsGet(KEY_LAST_UPDATE) || '0', 10) || 0;
  }

  // Both the stream and the poll bring updates here: each one is shown once, whichever brings it first.
  function showUpdate(msg) {
    if (!msg || typeof msg.id !== 'number' || msg.id <= lastUpdateId()) return;
    lsSet(KEY_LAST_UPDATE, String(msg.id));
    var entry = { from: 'bot', text: String(msg.text || '') };
    var buttons = sanitizeButtons(msg.buttons);
    if (buttons.length) entry.buttons = buttons;
    if (entry.text) addEntry(entry);
  }

  function pollUpdates() {
    if (polling || !transcript.length || typeof fetch !== 'function') return;
    polling = true;
    var myEpoch = epoch;
    var url = UPDATES_URL + '?sender=' + encodeURIComponent(senderId) + '&after=' + lastUpdateId();
    fetch(url, { method: 'GET' })
      .then(function (res) { return res.ok ? res.json() : { messages: [] }; })
      .then(function (body) {
        if (myEpoch !== epoch || !body || !Array.isArray(body.messages)) return;
        body.messages.forEach(showUpdate);
      })
      .catch(function () { /* offline: try again at the next poll */ })
      .then(function () { polling = false; });
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(pollUpdates, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  function startUpdates() {
    if (!transcript.length || stream || reconnectTimer) return;
    if (typeof window.EventSource !== 'function') {
      if (!pollTimer) pollUpdates();
      startPolling();
      return;
    }
    var url = EVENTS_URL + '?sender=' + encodeURIComponent(senderId) + '&after=' + lastUpdateId();
    var source = new EventSource(url);
    stream = source;
    source.onopen = stopPolling;
    source.addEventListener('update', function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      showUpdate(msg);
    });
    source.onerror = function () {
      if (stream !== source) return;
      startPolling();
      // The browser reconnects by itself (sending Last-Event-ID), except after an HTTP error (e.g. too
      // many open streams): then try again later, from the last update shown.
      if (source.readyState === 2) {
        source.close();
        stream = null;
        reconnectTimer = setTimeout(function () {
          reconnectTimer = null;
          startUpdates();
        }, POLL_MS);
      }
    };
  }

  function stopUpdates() {
    if (stream) stream.close();
    stream = null;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    stopPolling();
  }

  // ------------------------------------------------------------------
  // Public API
  // ------------------------------------------------------------------
  var api = {
    open: function () { open({ focus: true }); },
    close: function () { close(); },
    send: function (text) {
      text = text == null ? '' : String(text).replace(/^\s+|\s+$/g, '').slice(0, MAX_LEN);
      if (!text || !root) return Promise.resolve(false);
      open({ noGreet: true });
      if (busy) {
        if (pendingApi) pendingApi.resolve(false);
        return new Promise(function (resolve) { pendingApi = { text: text, resolve: resolve }; });
      }
      return sendMessage(text, text);
    }
  };
  Object.defineProperty(api, '__dvc', { value: true });
  window.DVCWebchat = api;

  function init() {
    if (root) return;
    build();
    var stored = lsGet(KEY_OPEN);
    startUpdates();
    if (stored === '1' || (stored === null && OPEN_ON_LOAD)) open();
  }

  if (document.body) init();
  else document.addEventListener('DOMContentLoaded', init);
})();
