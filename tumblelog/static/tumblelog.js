/* tumblelog: small progressive enhancements. Every page works without this file.
 *
 * - Dates read "3 hours ago" (for the last four weeks), with the exact local time on
 *   hover; the page itself says "22 Nov 2026", with the UTC time in the title.
 * - A text post's editor shows a live preview of its Markdown, rendered by the server
 *   with the same sanitiser a saved post goes through.
 * - A video facade, clicked, becomes the provider's player (the server built its URL
 *   from provider + id); until then the video's site is never contacted.
 * - Times typed into a form ("Publish at", the queue's hours) are the reader's local
 *   time: the hidden utc_offset field tells the server which zone that is. Without
 *   this script it stays 0 and the times are UTC, as the form says.
 */
(function () {
  "use strict";

  // The page's language, in the reader's regional variant when it is one (en-GB for en).
  var lang = document.documentElement.lang || "en";
  var reader = navigator.language || "";
  if (reader.toLowerCase().indexOf(lang.toLowerCase() + "-") === 0) lang = reader;
  var UNITS = [["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  var RELATIVE_FOR = 28 * 86400; // older dates keep their calendar date
  var relativeFormat = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
  var exactFormat = window.Intl ? new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" }) : null;

  function relative(date, now) {
    var seconds = (date.getTime() - now) / 1000;
    if (Math.abs(seconds) > RELATIVE_FOR) return null;
    if (Math.abs(seconds) < 60) return "just now";
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1] || i === UNITS.length - 1) {
        return relativeFormat.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
  }

  function showRelativeDates() {
    if (!relativeFormat) return;
    var now = Date.now();
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      if (!el.hasAttribute("data-calendar")) {
        el.setAttribute("data-calendar", el.textContent);
        el.title = exactFormat.format(date);
      }
      el.textContent = relative(date, now) || el.getAttribute("data-calendar");
    });
  }

  function debounce(fn, ms) {
    var timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function setUpPreview(form) {
    var url = form.getAttribute("data-preview-url");
    var source = form.querySelector("textarea[name=body]");
    var token = form.querySelector("input[name=csrf_token]");
    if (!url || !source || !window.fetch) return;

    var panel = document.createElement("section");
    panel.className = "preview";
    panel.setAttribute("aria-labelledby", "preview-heading");
    var heading = document.createElement("h2");
    heading.id = "preview-heading";
    heading.className = "preview__heading";
    heading.textContent = "Preview";
    var output = document.createElement("div");
    output.className = "preview__body prose";
    output.setAttribute("aria-live", "polite");
    panel.appendChild(heading);
    panel.appendChild(output);
    source.closest(".field").insertAdjacentElement("afterend", panel);

    var sent = 0;
    function update() {
      var text = source.value;
      if (!text.trim()) {
        panel.hidden = true;
        return;
      }
      var body = new FormData();
      body.append("body", text);
      if (token) body.append("csrf_token", token.value);
      var number = ++sent;
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : Promise.reject(response.status);
        })
        .then(function (data) {
          if (number !== sent) return; // a newer draft is on its way
          // The server sanitised this HTML with the allowlist every saved post goes through.
          output.innerHTML = data.html;
          panel.hidden = false;
        })
        .catch(function () {
          if (number !== sent) return;
          output.textContent = "The preview is not available right now; your text is safe.";
          panel.hidden = false;
        });
    }
    source.addEventListener("input", debounce(update, 300));
    update();
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // A Date as the value of an <input type=datetime-local>, in local time.
  function localValue(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function setUpLocalTimes(offsetField) {
    var form = offsetField.form;
    var when = form.querySelector("input[name=publish_at]");
    // The server fills a saved time in as UTC with utc_offset 0: show it in local time.
    if (when && when.value && offsetField.value === "0") {
      var saved = new Date(when.value + "Z");
      if (!isNaN(saved.getTime())) when.value = localValue(saved);
    }
    function fill() {
      // The offset on the chosen day, so a time across a daylight-saving change is right.
      var day = when && when.value ? new Date(when.value) : new Date();
      if (isNaN(day.getTime())) day = new Date();
      offsetField.value = String(-day.getTimezoneOffset());
    }
    fill();
    form.addEventListener("submit", fill);
  }

  function playVideo(event) {
    var facade = event.currentTarget;
    // A click meant to open a new tab or window keeps doing that.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    var player = document.createElement("iframe");
    player.src = facade.getAttribute("data-player") + "?autoplay=1";
    player.title = facade.getAttribute("data-title");
    player.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    player.allowFullscreen = true;
    player.referrerPolicy = "strict-origin-when-cross-origin";
    var frame = document.createElement("div");
    frame.className = "video";
    frame.appendChild(player);
    facade.replaceWith(frame);
    player.focus();
  }

  showRelativeDates();
  document.querySelectorAll("a.video-facade[data-player]").forEach(function (facade) {
    facade.addEventListener("click", playVideo);
  });
  document.querySelectorAll("input[name=utc_offset]").forEach(setUpLocalTimes);
  setInterval(showRelativeDates, 60 * 1000);
  document.querySelectorAll("form[data-preview-url]").forEach(setUpPreview);
})();
