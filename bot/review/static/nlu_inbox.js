// The NLU inbox: label, ignore, skip, create intents, mark entities and bulk-label, through
// /api/nlu/... . Every control is a real button, select or textarea, so the page works from the
// keyboard; an entity is marked by pressing its words (toggle buttons) and picking its type.
"use strict";

(function () {
  const root = document.getElementById("nlu-inbox");
  if (!root) {
    return;
  }
  const api = window.nluApi;
  const spans = new Map(); // article -> [{start, end, entity, value}] in code points

  function items() {
    return Array.from(root.querySelectorAll("article.nlu-item"));
  }

  function openItems() {
    return items().filter((item) => item.dataset.state === "open" && !item.hidden);
  }

  function selected() {
    return openItems().filter((item) => item.querySelector(".nlu-select").checked);
  }

  function updateSelectedCount() {
    const count = root.querySelector("#nlu-selected-count");
    if (count) {
      count.textContent = selected().length + " selected";
    }
  }

  // Words (letters and digits, with inner ' . - @ _) are what an annotator presses to mark an
  // entity; punctuation around them stays out of the span.
  const WORD = /[\p{L}\p{N}]+(?:['’.\-@_][\p{L}\p{N}]+)*/gu;

  // Python counts characters in code points, JavaScript in UTF-16 units (emoji differ).
  function codePoints(text, units) {
    return Array.from(text.slice(0, units)).length;
  }

  function buildWords(article) {
    const box = article.querySelector(".nlu-words");
    if (!box) {
      return;
    }
    const text = article.dataset.text;
    for (const match of text.matchAll(WORD)) {
      const word = api.element("button", match[0], "nlu-word");
      word.type = "button";
      word.dataset.action = "toggle-word";
      word.dataset.from = String(match.index);
      word.dataset.to = String(match.index + match[0].length);
      word.setAttribute("aria-pressed", "false");
      box.appendChild(word);
    }
  }

  function entitiesFor(articles) {
    const result = {};
    articles.forEach(function (article) {
      const marked = spans.get(article) || [];
      if (marked.length) {
        result[article.dataset.text] = marked.map((s) => ({
          start: s.start,
          end: s.end,
          entity: s.entity,
        }));
      }
    });
    return result;
  }

  function finish(articles, outcome) {
    articles.forEach(function (article) {
      article.dataset.state = "done";
      article.querySelectorAll("button, select, input, textarea").forEach((control) => {
        control.disabled = true;
      });
      article.querySelector(".nlu-select").checked = false;
      article.querySelector(".nlu-outcome").textContent = outcome;
    });
    updateSelectedCount();
  }

  function addIntentOption(name) {
    root.querySelectorAll("select.nlu-intent, #nlu-bulk-intent").forEach(function (select) {
      const exists = Array.from(select.options).some((option) => option.value === name);
      if (!exists) {
        const option = api.element("option", name);
        option.value = name;
        select.appendChild(option);
      }
    });
  }

  async function label(articles, intent) {
    if (!intent) {
      api.say("Choose an intent first.", true);
      return;
    }
    const texts = articles.map((article) => article.dataset.text);
    const body = { texts: texts, intent: intent };
    const entities = entitiesFor(articles);
    if (Object.keys(entities).length) {
      body.entities = entities;
    }
    const result = await api.post("/api/nlu/labels", body);
    finish(articles, "Labelled as " + intent);
    api.say("Labelled " + result.labelled + " message(s) as " + intent + ".");
  }

  async function ignore(articles) {
    const texts = articles.map((article) => article.dataset.text);
    const result = await api.post("/api/nlu/ignored", { texts: texts });
    finish(articles, "Ignored");
    api.say("Ignored " + result.ignored + " message(s).");
  }

  async function create(article) {
    const name = article.querySelector(".nlu-new-name").value.trim();
    const answer = article.querySelector(".nlu-new-answer").value.trim();
    const body = { name: name, answer: answer, texts: [article.dataset.text] };
    const entities = entitiesFor([article]);
    if (Object.keys(entities).length) {
      body.entities = entities;
    }
    await api.post("/api/nlu/intents", body);
    addIntentOption(name);
    finish([article], "Labelled as new intent " + name);
    api.say("Created intent " + name + " and labelled the message with it.");
  }

  function skip(article) {
    article.hidden = true;
    article.querySelector(".nlu-select").checked = false;
    updateSelectedCount();
    const next = openItems()[0];
    if (next) {
      next.querySelector("button, select").focus();
    }
    api.say("Skipped; it stays in the inbox.");
  }

  function showSpans(article) {
    const list = article.querySelector(".nlu-spans");
    list.replaceChildren();
    (spans.get(article) || []).forEach(function (span, index) {
      const item = api.element("li");
      item.appendChild(api.element("span", span.entity, "entity-name"));
      item.appendChild(document.createTextNode(" = "));
      item.appendChild(api.element("span", span.value, "entity-value"));
      const remove = api.element("button", "remove", "link");
      remove.type = "button";
      remove.dataset.action = "remove-entity";
      remove.dataset.index = String(index);
      remove.setAttribute("aria-label", "remove " + span.entity + " " + span.value);
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function addEntity(article) {
    const words = Array.from(article.querySelectorAll(".nlu-word"));
    const pressed = words.filter((word) => word.getAttribute("aria-pressed") === "true");
    const first = words.indexOf(pressed[0]);
    if (!pressed.length || words.indexOf(pressed[pressed.length - 1]) - first !== pressed.length - 1) {
      api.say("Press the neighbouring words of one entity first.", true);
      return;
    }
    const text = article.dataset.text;
    const from = Number(pressed[0].dataset.from);
    const to = Number(pressed[pressed.length - 1].dataset.to);
    const span = {
      start: codePoints(text, from),
      end: codePoints(text, to),
      entity: article.querySelector(".nlu-entity-type").value,
      value: text.slice(from, to),
    };
    const marked = (spans.get(article) || []).filter(
      (s) => s.end <= span.start || s.start >= span.end
    );
    marked.push(span);
    marked.sort((a, b) => a.start - b.start);
    spans.set(article, marked);
    pressed.forEach((word) => word.setAttribute("aria-pressed", "false"));
    showSpans(article);
    api.say("Marked “" + span.value + "” as " + span.entity + "; it is saved when you label.");
  }

  function removeEntity(article, index) {
    const marked = spans.get(article) || [];
    marked.splice(index, 1);
    showSpans(article);
    article.querySelector("[data-action=add-entity]").focus();
  }

  async function act(button) {
    const article = button.closest("article.nlu-item");
    switch (button.dataset.action) {
      case "confirm":
        return label([article], button.dataset.intent);
      case "label":
        return label([article], article.querySelector("select.nlu-intent").value);
      case "ignore":
        return ignore([article]);
      case "skip":
        return skip(article);
      case "create":
        return create(article);
      case "toggle-word":
        button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
        return;
      case "add-entity":
        return addEntity(article);
      case "remove-entity":
        return removeEntity(article, Number(button.dataset.index));
      case "bulk-label":
      case "bulk-ignore": {
        const chosen = selected();
        if (!chosen.length) {
          api.say("Select messages first (the checkbox beside each one).", true);
          return;
        }
        return button.dataset.action === "bulk-label"
          ? label(chosen, root.querySelector("#nlu-bulk-intent").value)
          : ignore(chosen);
      }
    }
  }

  root.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) {
      return;
    }
    act(button).catch((error) => api.say("Not saved: " + error.message, true));
  });

  root.addEventListener("change", function (event) {
    if (event.target.id === "nlu-select-all") {
      openItems().forEach((item) => {
        item.querySelector(".nlu-select").checked = event.target.checked;
      });
    }
    updateSelectedCount();
  });

  items().forEach(buildWords);
  root.dataset.ready = "true";
})();
