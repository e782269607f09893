// Draws the dashboard from /api/dashboard. Every value from the server goes through
// textContent or onto a canvas, never through innerHTML: intent names are data, not markup.
"use strict";

// Help popovers: each "?" button shows or hides the definition it controls (aria-controls).
(function () {
  const toggles = Array.from(document.querySelectorAll(".help-toggle"));

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById(button.getAttribute("aria-controls")).hidden = !open;
  }

  toggles.forEach(function (button) {
    button.addEventListener("click", function () {
      const open = button.getAttribute("aria-expanded") !== "true";
      toggles.forEach(function (other) {
        setOpen(other, false);
      });
      setOpen(button, open);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    toggles.forEach(function (button) {
      if (button.getAttribute("aria-expanded") === "true") {
        setOpen(button, false);
        button.focus();
      }
    });
  });
})();

(function () {
  const root = document.getElementById("dashboard");
  if (!root || typeof Chart === "undefined") {
    return;
  }
  const COLOURS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2"];
  const OUTCOME_COLOURS = {
    resolved: "#16a34a",
    handed_off: "#2563eb",
    abandoned: "#dc2626",
    unresolved: "#f59e0b",
    open: "#9ca3af",
  };

  function percent(share) {
    return share === null ? "—" : Math.round(share * 100) + "%";
  }

  function show(id, text) {
    document.getElementById(id).textContent = text;
  }

  function chart(id, type, labels, values, colours, options) {
    return new Chart(document.getElementById(id), {
      type: type,
      data: {
        labels: labels,
        datasets: [{ data: values, backgroundColor: colours, borderColor: colours[0] }],
      },
      options: Object.assign(
        {
          animation: false,
          maintainAspectRatio: false,
          plugins: { legend: { display: type === "doughnut" } },
        },
        options || {}
      ),
    });
  }

  function draw(data) {
    show("kpi-conversations", String(data.conversations));
    show("kpi-open", String(data.open));
    show("kpi-resolution", percent(data.resolution_rate));
    show("kpi-containment", percent(data.containment_rate));
    show("kpi-handoff", percent(data.handoff_rate));
    show("kpi-abandonment", percent(data.abandonment_rate));
    show(
      "kpi-not-understood-messages",
      percent(data.not_understood.message_rate) +
        " (" + data.not_understood.messages + " of " + data.not_understood.handled_messages + ")"
    );
    show(
      "kpi-not-understood-conversations",
      percent(data.not_understood.conversation_rate) +
        " (" + data.not_understood.conversations + " of " + data.decided + ")"
    );
    show(
      "kpi-csat",
      data.csat.average === null
        ? "—"
        : data.csat.average.toFixed(2) + " (" + data.csat.responses + ")"
    );
    show(
      "kpi-nps",
      data.nps.score === null ? "—" : Math.round(data.nps.score) + " (" + data.nps.responses + ")"
    );

    chart(
      "chart-per-day",
      "line",
      data.per_day.map((d) => d.date),
      data.per_day.map((d) => d.count),
      [COLOURS[0]],
      { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    );
    const outcomes = Object.keys(data.outcomes);
    chart(
      "chart-outcomes",
      "doughnut",
      outcomes,
      outcomes.map((o) => data.outcomes[o]),
      outcomes.map((o) => OUTCOME_COLOURS[o] || COLOURS[5])
    );
    chart(
      "chart-csat",
      "bar",
      data.csat.distribution.map((d) => String(d.score)),
      data.csat.distribution.map((d) => d.count),
      [COLOURS[1]],
      { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    );
    chart(
      "chart-nps",
      "bar",
      ["detractors (0–6)", "passives (7–8)", "promoters (9–10)"],
      [data.nps.detractors, data.nps.passives, data.nps.promoters],
      [COLOURS[3], COLOURS[2], COLOURS[1]],
      { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    );
    chart(
      "chart-top-intents",
      "bar",
      data.top_intents.map((i) => i.intent),
      data.top_intents.map((i) => i.messages),
      [COLOURS[4]],
      { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    );
    chart(
      "chart-low-confidence",
      "bar",
      data.lowest_confidence_intents.map((i) => i.intent),
      data.lowest_confidence_intents.map((i) => Math.round(i.average_confidence * 100)),
      [COLOURS[2]],
      { indexAxis: "y", scales: { x: { min: 0, max: 100, title: { display: true, text: "%" } } } }
    );
  }

  loadPanel(root, draw, "dashboard-error", "dashboard");
})();
