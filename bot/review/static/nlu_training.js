// The training page: export, train a candidate, compare it, promote or roll back. The page is
// drawn from GET /api/nlu/training and polls it while a job runs, so training progress and the
// comparison appear without reloading.
"use strict";

(function () {
  const root = document.getElementById("nlu-training");
  if (!root) {
    return;
  }
  const api = window.nluApi;
  const POLL_MS = 1000;
  let polling = null;
  let latest = null;

  function byId(id) {
    return document.getElementById(id);
  }

  function percent(share) {
    return Math.round(share * 100) + "%";
  }

  function points(before, after) {
    const change = Math.round((after - before) * 100);
    return (change > 0 ? "+" : "") + change + " points";
  }

  function timeLeft(seconds) {
    if (seconds === null || seconds === undefined) {
      return "";
    }
    if (seconds < 60) {
      return " · less than a minute left";
    }
    const minutes = Math.round(seconds / 60);
    return " · about " + minutes + (minutes === 1 ? " minute" : " minutes") + " left";
  }

  function jobText(status) {
    const job = status.job;
    const training = status.training;
    if (job.running && job.kind === "compare") {
      return "Comparing the new model with the live one on the same questions…";
    }
    if (job.running || training.status === "running") {
      return (
        "Training: " + (training.stage || "starting") + " · " + training.percent + "%" +
        timeLeft(training.seconds_left)
      );
    }
    if (job.kind === "compare" && job.error) {
      return "The comparison failed: " + job.error;
    }
    if (training.status === "failed") {
      return "Training failed: " + training.error;
    }
    if (training.status === "succeeded") {
      return "A new model is ready (finished " + training.finished_at + ")";
    }
    return "No training yet.";
  }

  function drawComparison(status) {
    const comparison = status.comparison;
    const gate = byId("nlu-gate");
    const table = byId("nlu-comparison");
    const changes = byId("nlu-changes");
    gate.hidden = table.hidden = changes.hidden = !comparison;
    if (!comparison) {
      return;
    }
    const live = comparison.test_questions.live;
    let summary = "On " + (comparison.test_questions.held_out + live) + " test questions" +
      (live ? " (" + live + " of them customers' own messages, labelled but not exported)" : "") +
      ", the live model picks the right topic " + percent(comparison.current_accuracy) +
      " of the time, the new model " + percent(comparison.candidate_accuracy) + ". ";
    summary += comparison.summary.charAt(0).toUpperCase() + comparison.summary.slice(1) + ".";
    if (!comparison.current) {
      summary += " The live model changed since: compare again.";
    }
    gate.textContent = summary;
    gate.dataset.decision = comparison.promote ? "promote" : "refuse";
    const body = table.tBodies[0];
    body.replaceChildren();
    comparison.rows.forEach(function (row) {
      const line = api.element("tr");
      line.dataset.intent = row.intent;
      if (row.regression) {
        line.className = "nlu-regression";
      }
      line.appendChild(api.element("td", row.intent));
      line.appendChild(api.element("td", percent(row.current_right)));
      line.appendChild(api.element("td", percent(row.candidate_right)));
      line.appendChild(api.element("td", points(row.current_right, row.candidate_right), "nlu-delta"));
      line.appendChild(api.element("td", row.support));
      let note = row.regression ? "got worse: blocks the new model" : row.new ? "new topic" : "";
      if (!note && row.neighbour) {
        note = "next to the new topic";
      }
      line.appendChild(api.element("td", note));
      body.appendChild(line);
    });
    const list = byId("nlu-changes-list");
    list.replaceChildren();
    comparison.changes.forEach(function (change) {
      const item = api.element("li", change.words + ", e.g. ");
      item.appendChild(api.element("q", change.examples[0]));
      list.appendChild(item);
    });
    if (comparison.changes.length === 0) {
      list.appendChild(api.element("li", "No test question gets a different answer."));
    }
  }

  function when(iso) {
    return new Date(iso).toLocaleString();
  }

  function describe(entry) {
    const who = entry.by ? entry.how + " by " + entry.by : "installed outside the review app";
    return entry.model + ", live since " + when(entry.since) + " (" + who + ")";
  }

  function topics(names) {
    return names.join(", ");
  }

  function drawLive(status) {
    const live = status.live || {};
    let text = live.current ? "Live model: " + describe(live.current) + "." : "No live model yet.";
    if (live.previous && status.rollback_available) {
      text += " Rolling back would bring back " + live.previous.model + ".";
    } else if (live.current && live.current.how === "rolled back") {
      text += " To change it again, promote a model.";
    }
    byId("nlu-live").textContent = text;
    drawRolledBackData(status.rolled_back_data || []);
  }

  function drawRolledBackData(entries) {
    const box = byId("nlu-rolled-back");
    if (!box) {
      return;
    }
    const list = byId("nlu-rolled-back-list");
    list.replaceChildren();
    entries.forEach(function (entry) {
      const item = api.element(
        "li",
        entry.intent + " (" + entry.examples + " exported examples) is still in the training data: " +
          "the next training learns it again unless you remove it. "
      );
      [["Keep it", true], ["Remove it", false]].forEach(function (choice) {
        const button = api.element("button", choice[0]);
        button.type = "button";
        button.dataset.intent = entry.intent;
        button.dataset.keep = String(choice[1]);
        item.appendChild(button);
      });
      list.appendChild(item);
    });
    box.hidden = entries.length === 0;
  }

  function draw(status) {
    latest = status;
    drawLive(status);
    const busy = status.job.running;
    const pending = status.pending_labels;
    byId("nlu-pending").textContent =
      pending === 1 ? "1 labelled message waits for export." : pending + " labelled messages wait for export.";
    // Nothing to export until something is labelled; not while a training reads the data.
    const exportBlocked = pending === 0 || (busy && status.job.kind === "train");
    byId("nlu-preview").disabled = exportBlocked;
    byId("nlu-export").disabled = exportBlocked;
    byId("nlu-train").disabled = busy;
    byId("nlu-compare").disabled = busy || !status.candidate || !status.live_model;
    const progress = byId("nlu-progress");
    progress.value = status.training.status === "succeeded" && !busy ? 100 : status.training.percent;
    byId("nlu-job-text").textContent = jobText(status);
    byId("nlu-candidate").textContent =
      (status.candidate || "—") + (status.candidate_is_live ? " (live)" : "");
    drawComparison(status);
    const promote = byId("nlu-promote");
    if (promote) {
      promote.disabled = !status.can_promote;
      byId("nlu-rollback").disabled = busy || !status.rollback_available;
    }
    root.dataset.state = busy ? "busy" : "idle";
    if (busy && polling === null) {
      polling = window.setTimeout(refresh, POLL_MS);
    }
  }

  async function refresh() {
    window.clearTimeout(polling);
    polling = null;
    try {
      draw(await api.get("/api/nlu/training"));
    } catch (error) {
      api.say("Could not load the training status: " + error.message, true);
      polling = window.setTimeout(refresh, POLL_MS * 5);
    }
  }

  function showPreview(preview) {
    const rows = byId("nlu-export-rows");
    rows.replaceChildren();
    preview.examples.forEach(function (example) {
      const line = api.element("tr");
      const cell = api.element("td");
      const box = api.element("input");
      box.type = "checkbox";
      box.value = example.id;
      box.checked = example.labelled_by === root.dataset.user;
      box.setAttribute("aria-label", "export: " + example.text);
      cell.appendChild(box);
      line.appendChild(cell);
      line.appendChild(api.element("td", example.text));
      line.appendChild(api.element("td", example.intent));
      line.appendChild(api.element("td", example.labelled_by + ", " + example.labelled_at));
      line.appendChild(api.element("td", example.goes_to || "not exported: " + example.skipped));
      rows.appendChild(line);
    });
    byId("nlu-export-diff").textContent = preview.domain_diff;
    byId("nlu-export-diff").hidden = byId("nlu-diff-title").hidden = !preview.domain_diff;
    byId("nlu-export-preview").hidden = false;
  }

  function ticked() {
    return Array.from(byId("nlu-export-rows").querySelectorAll("input:checked")).map(
      (box) => Number(box.value)
    );
  }

  function showExport(result) {
    const list = byId("nlu-export-list");
    list.replaceChildren();
    Object.keys(result.added)
      .sort()
      .forEach(function (intent) {
        let text = intent + ": +" + result.added[intent] + " examples";
        if (result.new_intents.includes(intent)) {
          text += " (new topic, " + (result.held_back[intent] || 0) + " kept as test questions)";
        }
        list.appendChild(api.element("li", text));
      });
    const written = Object.values(result.added).reduce((sum, count) => sum + count, 0);
    byId("nlu-export-summary").textContent =
      "Exported " + written + " examples; " + result.skipped_duplicates +
      " already known, " + result.skipped_redacted + " left out because hiding personal data damaged them.";
    byId("nlu-export-result").hidden = false;
    byId("nlu-export-preview").hidden = true;
  }

  const actions = {
    "nlu-preview": async function () {
      showPreview(await api.post("/api/nlu/export/preview", {}));
    },
    "nlu-export": async function () {
      const ids = ticked();
      if (ids.length === 0) {
        api.say("Tick the messages to export first.", true);
        return;
      }
      showExport(await api.post("/api/nlu/export", { ids: ids }));
      api.say("Exported. Train a candidate to use the new data.");
    },
    "nlu-train": async function () {
      draw(await api.post("/api/nlu/candidates", {}));
      api.say("Training started.");
    },
    "nlu-compare": async function () {
      draw(await api.post("/api/nlu/comparisons", { candidate: latest.candidate }));
      api.say("Comparison started.");
    },
    "nlu-promote": async function () {
      const live = (latest.live || {}).current;
      const comparison = latest.comparison || { rows: [], changes: [] };
      const added = comparison.rows.filter((row) => row.new).map((row) => row.intent);
      const moved = comparison.changes.reduce((sum, change) => sum + change.count, 0);
      const question =
        "Make " + latest.candidate + " the live model? Customers get its answers from now on" +
        (added.length ? "; it answers a new topic: " + topics(added) : "") +
        "; " + moved + (moved === 1 ? " test question gets" : " test questions get") +
        " a different answer" +
        (live ? "; " + live.model + " is kept so you can roll back." : ".");
      if (!window.confirm(question)) {
        return;
      }
      const result = await api.post("/api/nlu/promotions", { candidate: latest.candidate });
      byId("nlu-swap-result").textContent =
        "Promoted: " + result.promoted + " now answers customers.";
      api.say("Promoted.");
    },
    "nlu-rollback": async function () {
      const live = latest.live || {};
      const back = live.previous ? live.previous.model : "the previous model";
      const now = live.current ? live.current.model : "the live model";
      const forgets = latest.rollback_forgets || [];
      const question =
        "Go back to " + back + "? " + now + " stops answering customers" +
        (forgets.length ? ", and questions about " + topics(forgets) + " are no longer recognised" : "") +
        ". Afterwards you choose whether its examples stay in the training data.";
      if (!window.confirm(question)) {
        return;
      }
      await api.post("/api/nlu/rollbacks", {});
      byId("nlu-swap-result").textContent = "Rolled back: " + back + " answers customers again.";
      api.say("Rolled back.");
    },
  };

  async function decideData(button) {
    const keep = button.dataset.keep === "true";
    const intent = button.dataset.intent;
    if (!keep && !window.confirm(
      "Remove " + intent + " from the training data and domain.yml? Its labelled messages wait for export again."
    )) {
      return;
    }
    const result = await api.post("/api/nlu/rollbacks/data", { intent: intent, keep: keep });
    api.say(
      keep
        ? intent + " stays in the training data."
        : intent + " removed; " + result.reopened + " labelled messages wait for export again."
    );
  }

  root.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    const action = button && (actions[button.id] || (button.dataset.keep && decideData));
    if (!action) {
      return;
    }
    button.disabled = true;
    action(button)
      .catch((error) => api.say(error.message, true))
      .finally(refresh);
  });

  refresh();
})();
