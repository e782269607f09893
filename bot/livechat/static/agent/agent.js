/*
 * Agent inbox: one websocket to /agent/ws. The server pushes the queue and every message, so
 * nothing here polls. Text is always inserted with textContent (customers type anything); links
 * are built with DOM APIs and only for http(s) URLs. The customer panel beside the transcript is
 * read from /api/agent/conversations/<id>/customer each time a conversation is opened, and the
 * canned replies from /api/agent/canned-replies each time the page is (so admins' edits arrive
 * with the next page load).
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const queueList = $("queue");
  const queueEmpty = $("queue-empty");
  const agentsOnline = $("agents-online");
  const connection = $("connection");
  const conversationSection = $("conversation");
  const placeholder = $("placeholder");
  const title = $("conversation-title");
  const conversationId = $("conversation-id");
  const meta = $("conversation-meta");
  const transcript = $("transcript");
  const replyForm = $("reply-form");
  const replyInput = $("reply");
  const endButton = $("end-handoff");
  const errorBox = $("inbox-error");
  const cannedList = $("canned");
  const panel = $("customer-panel");
  const panelBody = $("customer-panel-body");
  const me = $("agent-name").textContent;
  const baseTitle = document.title;

  let socket = null;
  let retries = 0;
  let current = null; // conversation id on screen
  let queue = [];
  const unseen = new Set();

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  // http(s) only: a "javascript:" or "data:" URL never becomes a link.
  function safeUrl(raw) {
    try {
      const url = new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }

  function link(href, text) {
    return el("a", { href, rel: "noopener noreferrer", target: "_blank", text });
  }

  // Text with its http(s) URLs as links; trailing punctuation stays text ("see https://x.test.").
  const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    let at = 0;
    for (const match of text.matchAll(URL_IN_TEXT)) {
      const raw = match[0].replace(/[.,;:!?)\]]+$/, "");
      const href = safeUrl(raw);
      if (!href) continue;
      fragment.append(text.slice(at, match.index), link(href, raw));
      at = match.index + raw.length;
    }
    fragment.append(text.slice(at));
    return fragment;
  }

  const shortId = (id) => `Customer ${id.slice(4, 12)}`;
  const time = (ts) =>
    new Date(ts * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const minutesAgo = (ts) => Math.max(0, Math.round((Date.now() / 1000 - ts) / 60));

  function setConnection(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    errorBox.textContent = "Not connected; wait for the connection to come back.";
    return false;
  }

  function renderQueue() {
    queueList.replaceChildren();
    queueEmpty.hidden = queue.length > 0;
    for (const item of queue) {
      const who = item.agent ? `with ${item.agent}` : "waiting for an agent";
      const presence = item.customer_online ? "customer online" : "customer offline";
      const button = el(
        "button",
        {
          type: "button",
          class: "queue-item",
          "aria-current": item.sender_id === current ? "true" : "false",
          "data-conversation": item.sender_id,
        },
        el("strong", { text: shortId(item.sender_id) }),
        el("span", { text: `Reason: ${item.reason_text}` }),
        el("span", {
          class: "muted",
          text: `${who} · ${minutesAgo(item.requested_at)} min · ${presence}`,
        }),
      );
      if (item.customer_id) button.append(el("span", { text: `Signed in: ${item.customer_id}` }));
      if (unseen.has(item.sender_id)) button.append(el("span", { class: "new", text: "New" }));
      button.addEventListener("click", () => openConversation(item.sender_id));
      queueList.append(el("li", {}, button));
    }
    const waiting = queue.filter((item) => !item.agent).length;
    document.title = waiting ? `(${waiting}) ${baseTitle}` : baseTitle;
  }

  function renderMessage(message) {
    const who =
      message.from === "agent"
        ? `${message.agent} (agent)`
        : message.from === "customer"
          ? "Customer"
          : "Bot";
    const body = el("div", { class: "text" }, linkified(message.text || message.image || ""));
    if (message.buttons && message.buttons.length) {
      const options = message.buttons.map((b) => b.title).join(" | ");
      body.append(el("div", { class: "muted", text: `Buttons: ${options}` }));
    }
    transcript.append(
      el(
        "div",
        { class: `line from-${message.from}` },
        el("div", { class: "who", text: `${who} · ${time(message.ts)}` }),
        body,
      ),
    );
    transcript.scrollTop = transcript.scrollHeight;
  }

  // ``long``: the column whose text may be any length (it wraps anywhere; the others keep words).
  function table(caption, headings, rows, long) {
    const head = el("tr", {}, ...headings.map((text) => el("th", { scope: "col", text })));
    const cell = (content, index) => el("td", index === long ? { class: "long" } : {}, content);
    const body = rows.map((cells) => el("tr", {}, ...cells.map(cell)));
    return el(
      "div",
      { class: "table-scroll" },
      el(
        "table",
        { class: "panel-table" },
        el("caption", { text: caption }),
        el("thead", {}, head),
        el("tbody", {}, ...body),
      ),
    );
  }

  function renderPanel(data) {
    const parts = [];
    if (data.verified) {
      parts.push(el("p", { class: "verified", text: `Verified customer ${data.customer_id}` }));
    }
    if (data.error) parts.push(el("p", { class: "error", role: "alert", text: data.error }));
    else if (!data.verified) parts.push(el("p", { class: "not-verified", text: data.message }));
    if (data.customer) {
      const who = data.customer;
      parts.push(
        el(
          "dl",
          { class: "profile" },
          el("dt", { text: "Name" }),
          el("dd", { text: `${who.first_name} ${who.last_name}` }),
          el("dt", { text: "Email" }),
          el("dd", { text: who.email }),
        ),
      );
      const orders = data.orders.map((order) => {
        const href = order.tracking_url && safeUrl(order.tracking_url);
        return [
          order.order_id,
          order.status,
          String(order.total),
          href ? link(href, order.tracking_number || "Track") : order.tracking_number || "—",
        ];
      });
      parts.push(
        orders.length
          ? table("Recent orders", ["Order", "Status", "Total", "Tracking"], orders, 3)
          : el("p", { class: "muted", text: "No orders." }),
      );
      const due = (ticket) => ticket.follow_up_due.slice(0, 16).replace("T", " ");
      const tickets = data.tickets.map((t) => [t.ticket_id, t.summary, due(t)]);
      parts.push(
        tickets.length
          ? table("Open tickets", ["Ticket", "Summary", "Follow up by (UTC)"], tickets, 1)
          : el("p", { class: "muted", text: "No open tickets." }),
      );
    }
    panelBody.replaceChildren(...parts);
  }

  async function loadPanel(id) {
    panel.hidden = false;
    panelBody.replaceChildren(el("p", { class: "muted", text: "Loading the customer…" }));
    let data;
    try {
      const reply = await fetch(`/api/agent/conversations/${encodeURIComponent(id)}/customer`, {
        headers: { Accept: "application/json" },
      });
      data = await reply.json();
    } catch {
      const error = "The customer panel could not be loaded; reopen the conversation.";
      data = { verified: false, error };
    }
    if (id === current) renderPanel(data);
  }

  function openConversation(id) {
    current = id;
    unseen.delete(id);
    errorBox.textContent = "";
    transcript.replaceChildren();
    conversationSection.hidden = false;
    placeholder.hidden = true;
    title.textContent = shortId(id);
    conversationId.textContent = id;
    conversationId.title = id;
    updateMeta();
    renderQueue();
    send({ type: "open", conversation: id });
    loadPanel(id);
    replyInput.focus();
  }

  function updateMeta() {
    const item = queue.find((entry) => entry.sender_id === current);
    if (!item) {
      meta.textContent = "This conversation is back with the bot.";
      replyForm.hidden = true;
      endButton.hidden = true;
      return;
    }
    replyForm.hidden = false;
    endButton.hidden = false;
    const parts = [`Reason: ${item.reason_text}`];
    if (item.customer_id) parts.push(`signed-in customer ${item.customer_id}`);
    parts.push(item.agent ? `handled by ${item.agent}` : "nobody has replied yet");
    meta.textContent = parts.join(" · ");
  }

  const handlers = {
    queue(frame) {
      const before = new Set(queue.map((item) => item.sender_id));
      queue = frame.handoffs;
      for (const item of queue) if (!before.has(item.sender_id)) unseen.add(item.sender_id);
      const others = frame.agents_online.filter((name) => name !== me);
      agentsOnline.textContent = others.length
        ? `Also online: ${others.join(", ")}`
        : "You are the only agent online.";
      renderQueue();
      if (current) updateMeta();
    },
    transcript(frame) {
      if (frame.conversation !== current) return;
      transcript.replaceChildren();
      frame.messages.forEach(renderMessage);
    },
    message(frame) {
      if (frame.conversation === current) renderMessage(frame);
      else {
        unseen.add(frame.conversation);
        renderQueue();
      }
    },
    error(frame) {
      errorBox.textContent = frame.message;
    },
  };

  function connect() {
    setConnection("connecting", retries ? "Reconnecting…" : "Connecting…");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/agent/ws`);
    socket = ws;
    ws.addEventListener("open", () => {
      retries = 0;
      setConnection("online", "Online: customers can be handed to you");
      if (current) send({ type: "open", conversation: current });
    });
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (handlers[frame.type]) handlers[frame.type](frame);
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      setConnection("offline", "Offline, reconnecting…");
      const delay = Math.min(10000, 500 * 2 ** retries);
      retries += 1;
      setTimeout(connect, delay);
    });
  }

  replyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = replyInput.value.trim();
    if (text && current && send({ type: "reply", conversation: current, text })) {
      replyInput.value = "";
      errorBox.textContent = "";
    }
  });
  replyInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      replyForm.requestSubmit();
    }
  });
  endButton.addEventListener("click", () => {
    if (current) send({ type: "end", conversation: current });
  });

  // A canned reply goes where the cursor is (replacing any selection); the agent may edit it.
  function insertAtCursor(text) {
    const { selectionStart, selectionEnd } = replyInput;
    replyInput.setRangeText(text, selectionStart, selectionEnd, "end");
    replyInput.focus();
  }

  async function loadCannedReplies() {
    let replies = [];
    try {
      const reply = await fetch("/api/agent/canned-replies", {
        headers: { Accept: "application/json" },
      });
      if (reply.ok) replies = (await reply.json()).canned_replies;
    } catch {
      // Without them the inbox still works; the list just stays empty.
    }
    cannedList.replaceChildren(
      ...replies.map((canned) => {
        const button = el("button", { type: "button", title: canned.body, text: canned.title });
        button.addEventListener("click", () => insertAtCursor(canned.body));
        return el("li", {}, button);
      }),
    );
    cannedList.hidden = replies.length === 0;
  }

  loadCannedReplies();
  connect();
})();
