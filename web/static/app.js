/* web/static/app.js - the little script of kuzet's web app.  Every page
 * works without it; it adds: times in the viewer's own zone, live
 * countdowns to deadlines, and keyboard shortcuts (n next, a assign to
 * me, d decide, x no action) that press the page's own links and buttons
 * marked data-key.  No third-party code, nothing loaded from elsewhere. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var words = {
    en: { left: "left", over: "overdue by", d: "d", h: "h", m: "min" },
    ru: { left: "осталось", over: "просрочено на", d: "д", h: "ч", m: "мин" },
    kk: { left: "қалды", over: "мерзімі өтті", d: "күн", h: "сағ", m: "мин" }
  }[lang] || { left: "left", over: "overdue by", d: "d", h: "h", m: "min" };

  function span(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor(m / 60) % 24;
    m = m % 60;
    return (d ? d + " " + words.d + " " : "") + (d || h ? h + " " + words.h + " " : "") + m + " " + words.m;
  }

  function times() {
    var now = Date.now();
    document.querySelectorAll("time[datetime]").forEach(function (t) {
      var at = Date.parse(t.getAttribute("datetime"));
      if (isNaN(at)) return;
      if (!t.dataset.utc) t.dataset.utc = t.textContent;
      var local = new Date(at).toLocaleString(lang, { year: "numeric", month: "2-digit", day: "2-digit",
                                                               hour: "2-digit", minute: "2-digit" });
      t.title = t.dataset.utc;
      if (t.classList.contains("countdown")) {
        var left = at - now;
        t.classList.toggle("past", left < 0);
        t.classList.toggle("soon", left >= 0 && left < 6 * 3600000);
        t.textContent = local + " (" + (left < 0 ? words.over + " " + span(left) : span(left) + " " + words.left) + ")";
      } else {
        t.textContent = local;
      }
    });
  }

  function keys(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
    var el = document.querySelector("[data-key='" + e.key + "']");
    if (!el) return;
    e.preventDefault();
    if (el.tagName.toLowerCase() === "details") {
      el.open = true;
      var f = el.querySelector("select, input:not([type=hidden]), textarea");
      if (f) f.focus();
    } else if (el.tagName.toLowerCase() === "a" || el.tagName.toLowerCase() === "button") {
      el.click();
    } else {
      el.focus();
    }
  }

  /* a click on an image's button (Enter and Space click a button too)
   * reveals it, or hides it again; its link is left to do its own work */
  function reveal(e) {
    var b = e.target && e.target.closest ? e.target.closest(".media button.shield") : null;
    if (!b) return;
    var m = b.closest(".media");
    e.preventDefault();
    m.classList.toggle("revealed");
    b.setAttribute("aria-pressed", m.classList.contains("revealed") ? "true" : "false");
  }

  /* keep the hold on the case while its page is open */
  function renewing() {
    var f = document.querySelector("form[data-hold-renew]");
    if (!f || !window.fetch) return;
    var every = parseInt(f.getAttribute("data-hold-renew"), 10) * 1000;
    setInterval(function () {
      fetch(f.action, { method: "POST", credentials: "same-origin",
                        headers: { "Accept": "text/plain" },
                        body: new URLSearchParams(new FormData(f)) });
    }, every);
  }

  document.addEventListener("DOMContentLoaded", function () {
    renewing();
    times();
    setInterval(times, 30000);
    document.addEventListener("keydown", keys);
    document.addEventListener("click", reveal);
  });
})();
