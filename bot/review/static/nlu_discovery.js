// Intent discovery: each cluster is a form; submitting it creates the intent (with its answer)
// and labels the ticked messages with it, through POST /api/nlu/intents.
"use strict";

(function () {
  const root = document.getElementById("nlu-discovery");
  if (!root) {
    return;
  }
  const api = window.nluApi;

  async function createFrom(form) {
    const texts = Array.from(form.querySelectorAll("input[name=text]:checked")).map((box) => box.value);
    if (!texts.length) {
      throw new Error("tick at least one message");
    }
    const name = form.querySelector(".nlu-new-name").value.trim();
    const body = { name: name, answer: form.querySelector(".nlu-new-answer").value.trim(), texts: texts };
    const result = await api.post("/api/nlu/intents", body);
    form.dataset.state = "done";
    form.querySelectorAll("button, input, textarea").forEach((control) => {
      control.disabled = true;
    });
    const outcome = "Created " + result.intent + " and labelled " + result.labelled + " message(s).";
    form.querySelector(".nlu-outcome").textContent = outcome;
    api.say(outcome);
  }

  root.addEventListener("submit", function (event) {
    const form = event.target.closest("form.nlu-cluster");
    if (!form) {
      return; // the "group again" form reloads the page
    }
    event.preventDefault();
    createFrom(form).catch((error) => api.say("Not created: " + error.message, true));
  });

  root.dataset.ready = "true";
})();
