// Draws the flow funnels from /api/funnels: a table per flow (filled by textContent, the rows
// and their help come from the page) and one chart of the share reaching each step.
"use strict";

(function () {
  const root = document.getElementById("funnels");
  if (!root || typeof Chart === "undefined") {
    return;
  }
  // Step kinds in funnel order, each a bar colour; a flow without a kind gets no bar.
  const STEP_COLOURS = {
    started: "#9ca3af",
    verified: "#2563eb",
    eligible: "#7c3aed",
    described: "#0891b2",
    done: "#16a34a",
  };

  function percent(share) {
    return share === null ? "—" : Math.round(share * 100) + "%";
  }

  function show(id, text) {
    document.getElementById(id).textContent = text;
  }

  // "3 (handed off 2, abandoned 1)": where the conversations that stopped here ended up.
  function leftText(left) {
    const parts = Object.keys(left.outcomes)
      .filter((outcome) => left.outcomes[outcome] > 0)
      .map((outcome) => outcome.replace("_", " ") + " " + left.outcomes[outcome]);
    return parts.length ? left.conversations + " (" + parts.join(", ") + ")" : "0";
  }

  function fill(flow) {
    show("funnel-" + flow.flow + "-started", String(flow.started));
    flow.steps.forEach(function (step) {
      const id = "funnel-" + flow.flow + "-" + step.step;
      show(id + "-count", String(step.conversations));
      show(id + "-share", percent(step.share));
    });
    flow.left.forEach(function (left) {
      show("funnel-" + flow.flow + "-" + left.step + "-left", leftText(left));
    });
  }

  function draw(data) {
    data.flows.forEach(fill);
    const datasets = Object.keys(STEP_COLOURS).map(function (kind) {
      const label = data.flows
        .flatMap((flow) => flow.steps)
        .find((step) => step.step === kind);
      return {
        label: label ? label.label : kind,
        backgroundColor: STEP_COLOURS[kind],
        data: data.flows.map(function (flow) {
          const step = flow.steps.find((s) => s.step === kind);
          return step && step.share !== null ? Math.round(step.share * 100) : null;
        }),
      };
    });
    new Chart(document.getElementById("chart-funnels"), {
      type: "bar",
      data: { labels: data.flows.map((flow) => flow.label), datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: "y",
        scales: { x: { min: 0, max: 100, title: { display: true, text: "% of started" } } },
      },
    });
  }

  loadPanel(root, draw, "funnels-error", "funnels");
})();
