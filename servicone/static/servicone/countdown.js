/* Live SLA countdowns: every badge [data-countdown] whose server-side state is running,
   warned or indicative counts down to its data-due instant (ISO, UTC), once a second.
   When the due time passes, an enforced target turns « Dépassé » (breached) at once,
   without waiting for the server's sweep; a running one turns warned at data-warn.
   Labels come from the page (#countdown-labels, in the reader's language). */
(function () {
  "use strict";
  if (window.ServiceOneCountdown) { return; }

  var LIVE = ["running", "warned", "indicative"];
  var labels = { breached: "Dépassé", past: "Échéance passée", day: "j" };

  function readLabels() {
    var node = document.getElementById("countdown-labels");
    if (!node) { return; }
    try {
      var parsed = JSON.parse(node.textContent);
      Object.keys(parsed).forEach(function (key) { labels[key] = parsed[key]; });
    } catch (e) { /* keep the French defaults */ }
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  /* Same format as tickets.views.format_remaining. */
  function format(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    if (days) { return days + " " + labels.day + " " + pad(hours) + " h " + pad(minutes) + " min"; }
    if (hours) { return hours + " h " + pad(minutes) + " min " + pad(seconds) + " s"; }
    return minutes + " min " + pad(seconds) + " s";
  }

  function setState(el, state) {
    el.classList.remove("state-" + el.dataset.state);
    el.classList.add("state-" + state);
    el.dataset.state = state;
  }

  /* One pass over every live badge; returns how many badges are still counting down. */
  function tick(now) {
    var at = typeof now === "number" ? now : Date.now();
    var live = 0;
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (LIVE.indexOf(el.dataset.state) < 0) { return; }
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) { return; }
      var value = el.querySelector(".sla-value") || el;
      if (at >= due) {
        if (el.dataset.enforced === "1") {
          setState(el, "breached");
          value.textContent = labels.breached;
        } else {
          setState(el, "past");
          value.textContent = labels.past;
        }
        return;
      }
      if (el.dataset.state === "running" && el.dataset.warn) {
        var warn = Date.parse(el.dataset.warn);
        if (!isNaN(warn) && at >= warn) { setState(el, "warned"); }
      }
      value.textContent = format(due - at);
      live += 1;
    });
    return live;
  }

  function start() {
    readLabels();
    tick();
    window.setInterval(tick, 1000);
  }

  window.ServiceOneCountdown = { tick: tick, format: format };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
