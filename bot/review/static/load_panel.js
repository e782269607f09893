// Fills one dashboard panel from its JSON source (the root's data-source): calls draw(data), then
// marks the root ready; on failure marks it "error" and shows why in the panel's error line.
"use strict";

// eslint-disable-next-line no-unused-vars
function loadPanel(root, draw, errorId, what) {
  async function load() {
    const response = await fetch(root.dataset.source, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error("the server answered " + response.status);
    }
    draw(await response.json());
    root.dataset.state = "ready";
  }

  load().catch(function (error) {
    root.dataset.state = "error";
    const message = document.getElementById(errorId);
    message.textContent = "Could not load the " + what + ": " + error.message;
    message.hidden = false;
  });
}
