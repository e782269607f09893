/*
 * CX Assistant chat widget. Embed with one tag, no build step:
 *   <script src="https://chat.example.com/widget/widget.js" data-server="https://chat.example.com"
 *           data-title="Help" data-customer-token="(optional, signed by your backend)" defer></script>
 *
 * One websocket to the review app's gateway (/widget/ws) carries everything: the customer's
 * messages, the bot's and agents' replies, typing and handoff state. The conversation id lives
 * in localStorage so a reload continues the conversation; the gateway sends its history.
 * All text is inserted with textContent; links become anchors only for http(s) URLs.
 */
(() => {
  "use strict";

  const script =
    document.currentScript || document.querySelector('script[src*="/widget/widget.js"]');
  if (!script || window.__cxWidgetLoaded) return;
  window.__cxWidgetLoaded = true;

  const server = (script.dataset.server || new URL(script.src).origin).replace(/\/+$/, "");
  const config = {
    server,
    socketUrl: server.replace(/^http/, "ws") + "/widget/ws",
    title: script.dataset.title || "Chat with us",
    customerToken: script.dataset.customerToken || null,
    welcome:
      script.dataset.welcome ||
      "Hi! I can help with orders, returns, refunds, delivery and more. What can I do for you?",
  };
  const STORAGE_KEY = `cx-widget:${server}`;
  const MAX_RETRY_MS = 10000;
  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
  const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

  const stored = (() => {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}");
    } catch {
      return {};
    }
  })();
  function persist() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
    } catch {
      /* private mode: the conversation simply won't survive a reload */
    }
  }

  // ---- DOM helpers ---------------------------------------------------------------------------
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    node.append(...children);
    return node;
  }

  function chatIcon() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    svg.append(path);
    return svg;
  }

  function safeHttpUrl(raw) {
    try {
      const url = new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }

  /** Text with its http(s) URLs as anchors; everything else stays plain text nodes. */
  function linkify(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      const candidate = match[0].replace(TRAILING_PUNCTUATION, "");
      const href = safeHttpUrl(candidate);
      if (!href) continue;
      fragment.append(document.createTextNode(text.slice(last, match.index)));
      fragment.append(
        el("a", { href, target: "_blank", rel: "noopener noreferrer", text: candidate }),
      );
      last = match.index + candidate.length;
    }
    fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function formatTime(ts) {
    const date = new Date(ts * 1000);
    const sameDay = date.toDateString() === new Date().toDateString();
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return sameDay ? time : `${date.toLocaleDateString()} ${time}`;
  }

  // ---- the widget's own DOM, isolated from the host page's styles -----------------------------
  const host = el("div", { id: "cx-widget", "data-cx-widget": true });
  const shadow = host.attachShadow({ mode: "open" });
  const stylesheet = el("link", { rel: "stylesheet", href: `${server}/widget/widget.css` });
  const root = el("div", { class: "cx-root", hidden: true });
  const showRoot = () => root.removeAttribute("hidden");
  stylesheet.addEventListener("load", showRoot);
  stylesheet.addEventListener("error", showRoot);

  const badge = el("span", { class: "badge", "aria-hidden": "true", hidden: true });
  const launcher = el(
    "button",
    {
      type: "button",
      class: "launcher",
      "aria-expanded": "false",
      "aria-controls": "cx-panel",
      "aria-label": `Open chat: ${config.title}`,
    },
    chatIcon(),
    badge,
  );
  const title = el("h2", { id: "cx-title", text: config.title });
  const status = el("p", { class: "status", role: "status", "data-state": "idle" });
  const closeButton = el("button", {
    type: "button",
    class: "close",
    "aria-label": "Close chat",
    text: "\u00D7",
  });
  const log = el("div", {
    class: "log",
    role: "log",
    "aria-live": "polite",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  const typing = el(
    "div",
    { class: "typing", hidden: true },
    el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
    el("span", { class: "visually-hidden", text: "The assistant is typing" }),
  );
  const input = el("textarea", {
    id: "cx-input",
    rows: "1",
    maxlength: "2000",
    autocomplete: "off",
    placeholder: "Type your message",
  });
  const sendButton = el("button", { type: "submit", class: "send", text: "Send" });
  const composer = el(
    "form",
    { class: "composer" },
    el("label", { for: "cx-input", class: "visually-hidden", text: "Your message" }),
    input,
    sendButton,
  );
  const panel = el(
    "section",
    {
      id: "cx-panel",
      class: "panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "cx-title",
      hidden: true,
    },
    el("header", {}, el("div", { class: "heading" }, title, status), closeButton),
    log,
    typing,
    composer,
  );
  root.append(launcher, panel);
  shadow.append(stylesheet, root);

  // ---- state ----------------------------------------------------------------------------------
  let socket = null;
  let connected = false;
  let retries = 0;
  let retryTimer = null;
  let issuedSessionId = null; // kept only once the customer has said something
  let unread = 0;

  const STATE_TEXT = {
    idle: "",
    connecting: "Connecting\u2026",
    online: "Online",
    offline: "Connection lost, reconnecting\u2026",
  };
  function setState(state) {
    status.dataset.state = state;
    status.textContent = STATE_TEXT[state];
    connected = state === "online";
    // The box stays usable (focus, typing); only sending waits for the connection.
    sendButton.disabled = !connected;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function updateBadge() {
    badge.hidden = unread === 0;
    badge.textContent = String(unread);
    launcher.setAttribute(
      "aria-label",
      unread ? `Open chat: ${config.title} (${unread} unread)` : `Open chat: ${config.title}`,
    );
  }

  // ---- rendering ------------------------------------------------------------------------------
  // Buttons titled only with numbers (CSAT 1-5, NPS 0-10) form a rating scale; 1-5 shows stars.
  // Other buttons beside a scale (such as "Skip") stay plain replies in the same group.
  const NUMBER_TITLE = /^\s*(\d{1,2})\s*$/;

  function ratingScale(buttons) {
    const values = buttons.map((b) => NUMBER_TITLE.exec(b.title)).map((m) => (m ? Number(m[1]) : null));
    const numbers = values.filter((value) => value !== null);
    if (numbers.length < 2 || numbers.length > 11) return null;
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    return { values, min, max, stars: min >= 1 && max <= 5 };
  }

  function removeQuickReplies() {
    for (const group of log.querySelectorAll(".quick-replies")) group.remove();
  }

  function replyButtons(buttons) {
    const scale = ratingScale(buttons);
    const group = el("div", {
      class: scale ? `quick-replies rating${scale.stars ? " stars" : ""}` : "quick-replies",
      role: "group",
      "aria-label": scale ? `Rating from ${scale.min} to ${scale.max}` : "Suggested replies",
    });
    buttons.forEach((button, index) => {
      const node = el("button", { type: "button", class: "reply" });
      const value = scale ? scale.values[index] : null;
      if (value !== null) {
        const face = scale.stars ? "\u2605".repeat(value) : String(value);
        node.append(el("span", { "aria-hidden": "true", text: face }));
        node.setAttribute("aria-label", `${value} out of ${scale.max}`);
      } else {
        node.textContent = button.title;
      }
      node.addEventListener("click", () => {
        if (send(button.payload)) input.focus();
      });
      group.append(node);
    });
    return group;
  }

  function senderLabel(message) {
    if (message.from === "customer") return "You";
    if (message.from === "agent") return `${message.agent} (support team)`;
    return "Assistant";
  }

  function renderMessage(message, { withButtons }) {
    const item = el("div", { class: `message from-${message.from}` });
    const meta = el(
      "div",
      { class: "meta" },
      el("span", { class: "sender", text: senderLabel(message) }),
      el("time", {
        datetime: new Date(message.ts * 1000).toISOString(),
        text: formatTime(message.ts),
      }),
    );
    const bubble = el("div", { class: "bubble" });
    if (message.text) bubble.append(linkify(message.text));
    const image = message.image && safeHttpUrl(message.image);
    if (image) {
      bubble.append(el("img", { src: image, alt: "Image from the assistant", loading: "lazy" }));
    }
    item.append(meta, bubble);
    if (withButtons && message.buttons && message.buttons.length) {
      item.append(replyButtons(message.buttons));
    }
    log.append(item);
    scrollToEnd();
  }

  function renderNotice(text, kind = "notice") {
    log.append(el("p", { class: `notice ${kind}`, text }));
    scrollToEnd();
  }

  const HANDOFF_TEXT = {
    waiting: () => "Connecting you with a person from our team. Please stay in this chat.",
    active: (agent) => `${agent} from our support team joined the chat.`,
    ended: (agent) => `${agent} left the chat.`,
  };
  function renderHandoff(frame) {
    const text = HANDOFF_TEXT[frame.state];
    if (text) renderNotice(text(frame.agent), "handoff");
  }

  function renderHistory(frame) {
    log.replaceChildren();
    const messages = frame.messages || [];
    if (!messages.length) {
      renderMessage(
        { from: "bot", text: config.welcome, ts: Date.now() / 1000, buttons: [] },
        { withButtons: false },
      );
    }
    messages.forEach((message, index) => {
      renderMessage(message, { withButtons: index === messages.length - 1 });
    });
    if (frame.handoff) renderHandoff(frame.handoff);
  }

  // ---- the connection -------------------------------------------------------------------------
  const handlers = {
    session(frame) {
      issuedSessionId = frame.session_id;
    },
    history: renderHistory,
    message(frame) {
      const message = frame.message;
      if (message.from === "customer") removeQuickReplies();
      renderMessage(message, { withButtons: true });
      if (message.from !== "customer" && panel.hidden) {
        unread += 1;
        updateBadge();
      }
    },
    typing(frame) {
      typing.hidden = !frame.on;
      scrollToEnd();
    },
    handoff: renderHandoff,
    error(frame) {
      if (frame.code === "invalid_session") {
        // A stored id this server no longer accepts: start afresh on a new connection.
        delete stored.sessionId;
        persist();
        socket.close();
        return;
      }
      renderNotice(frame.message, "error");
    },
  };

  function scheduleReconnect() {
    const delay = Math.min(MAX_RETRY_MS, 500 * 2 ** retries) * (0.75 + Math.random() / 2);
    retries += 1;
    retryTimer = setTimeout(connect, delay);
  }

  function connect() {
    clearTimeout(retryTimer);
    setState(socket ? "offline" : "connecting");
    const current = new WebSocket(config.socketUrl);
    socket = current;
    current.addEventListener("open", () => {
      retries = 0;
      setState("online");
      current.send(
        JSON.stringify({
          type: "hello",
          session_id: stored.sessionId || null,
          customer_token: config.customerToken,
          // Origin and path only: a query string can carry emails or tokens.
          page: location.origin + location.pathname,
        }),
      );
    });
    current.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      const handler = handlers[frame.type];
      if (handler) handler(frame);
    });
    current.addEventListener("close", () => {
      if (socket !== current) return;
      setState("offline");
      typing.hidden = true;
      scheduleReconnect();
    });
  }

  function send(text) {
    if (!connected || !text.trim()) return false;
    socket.send(JSON.stringify({ type: "message", text }));
    if (!stored.sessionId && issuedSessionId) {
      stored.sessionId = issuedSessionId;
      persist();
    }
    return true;
  }

  // ---- opening, closing, typing ------------------------------------------------------------------
  function setOpen(open, { moveFocus = true } = {}) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    root.classList.toggle("is-open", open);
    stored.open = open;
    persist();
    if (open) {
      unread = 0;
      updateBadge();
      if (!socket) connect();
      scrollToEnd();
      if (moveFocus) input.focus();
    } else if (moveFocus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closeButton.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    if (send(input.value)) input.value = "";
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  function mount() {
    document.body.append(host);
    setState("idle");
    // Connect at once only for an ongoing conversation, so casual visitors cost nothing.
    if (stored.sessionId) connect();
    // A reload keeps the panel as it was, without stealing the page's focus.
    if (stored.open) setOpen(true, { moveFocus: false });
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
