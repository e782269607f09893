// Shared by the NLU pages: JSON calls to /api/nlu/... with the session's CSRF token, and the
// status line. Server data reaches the page only through textContent, form values and DOM
// nodes built here, never through innerHTML: customer messages are data, not markup.
"use strict";

window.nluApi = (function () {
  const root = document.querySelector("[data-csrf]");

  async function call(method, path, body) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": root.dataset.csrf },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try {
      data = await response.json();
    } catch (ignored) {
      data = null;
    }
    if (!response.ok) {
      throw new Error((data && data.error) || "the server answered " + response.status);
    }
    return data;
  }

  function say(text, isError) {
    const status = document.getElementById("nlu-status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body || {}),
    say: say,
    element: element,
  };
})();
