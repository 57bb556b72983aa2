// Colloquy transcripts (plugins.transcripts): filter the messages of a transcript
// page by text and by participant. Progressive enhancement: without this script
// the participants list links to each person's page (/by/<handle>/) and every
// message is shown. The filter lives in the URL (?who=ann&q=archive) so a
// filtered view can be shared; a message named by the URL's #fragment is never
// hidden. Nothing here fetches anything.
(function () {
  "use strict";
  var log = document.querySelector(".transcript .transcript-messages");
  if (!log || !window.URLSearchParams || !history.replaceState) return;
  var messages = Array.prototype.slice.call(log.querySelectorAll(".transcript-message"));
  if (!messages.length) return;
  var paged = !!document.querySelector(".transcript-pager");

  function fold(text) {
    // Case- and accent-blind: "ines" finds "Inês".
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLocaleLowerCase();
  }
  function handleOf(element) {
    var nick = element && element.querySelector(".transcript-handle");
    return nick ? nick.textContent.trim().replace(/^@/, "") : "";
  }

  var entries = messages.map(function (element) {
    var author = element.querySelector(".transcript-author");
    var text = element.querySelector(".transcript-text");
    return {
      element: element,
      who: handleOf(author),
      text: fold((author ? author.textContent : "") + "\n" + (text ? text.textContent : ""))
    };
  });

  // The participants: from the participants list, else from this page's messages.
  var people = [];
  var known = {};
  var listed = document.querySelectorAll(".transcript-participants .transcript-participant");
  Array.prototype.forEach.call(listed, function (item) {
    var link = item.querySelector("a");
    var handle = handleOf(item);
    if (handle && !known[handle]) {
      known[handle] = true;
      people.push({ handle: handle, name: link ? link.textContent.trim() : handle, link: link });
    }
  });
  if (!people.length) {
    entries.forEach(function (entry) {
      var name = entry.element.querySelector(".transcript-author .p-name");
      if (entry.who && !known[entry.who]) {
        known[entry.who] = true;
        people.push({ handle: entry.who, name: name ? name.textContent.trim() : entry.who });
      }
    });
    people.sort(function (a, b) { return a.name.localeCompare(b.name) || (a.handle < b.handle ? -1 : 1); });
  }

  function make(tag, attributes, text) {
    var element = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    if (text) element.textContent = text;
    return element;
  }
  var form = make("form", { "class": "transcript-filter", role: "search", "aria-label": "Filter messages" });
  var textField = make("div", { "class": "transcript-filter-field" });
  textField.appendChild(make("label", { "for": "transcript-filter-q" }, "Messages containing"));
  var input = make("input", { type: "search", id: "transcript-filter-q", name: "q", autocomplete: "off", spellcheck: "false" });
  textField.appendChild(input);
  var whoField = make("div", { "class": "transcript-filter-field" });
  whoField.appendChild(make("label", { "for": "transcript-filter-who" }, "Written by"));
  var select = make("select", { id: "transcript-filter-who", name: "who" });
  select.appendChild(make("option", { value: "" }, "Everyone"));
  people.forEach(function (person) {
    select.appendChild(make("option", { value: person.handle }, person.name + " (@" + person.handle + ")"));
  });
  whoField.appendChild(select);
  var clear = make("button", { type: "button", "class": "transcript-filter-clear" }, "Clear");
  var status = make("p", { "class": "transcript-filter-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  form.appendChild(textField);
  form.appendChild(whoField);
  form.appendChild(clear);
  form.appendChild(status);
  log.parentNode.insertBefore(form, log);

  function target() {
    var name;
    try { name = decodeURIComponent(location.hash.slice(1)); } catch (e) { return null; }
    var element = name ? document.getElementById(name) : null;
    return element && log.contains(element) ? element : null;
  }

  function apply() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var who = select.value;
    var kept = target();
    var shown = 0;
    var extra = false;
    entries.forEach(function (entry) {
      var match = (!who || entry.who === who) && words.every(function (word) {
        return entry.text.indexOf(word) !== -1;
      });
      if (match) shown += 1;
      var keep = match || (kept !== null && entry.element.contains(kept)) || entry.element === kept;
      if (keep && !match) extra = true;
      entry.element.hidden = !keep;
    });
    // A day or section heading shows while a shown message follows it, before the
    // next heading of its kind (a day ends at the next day, a section at any heading).
    var day = null;
    var section = null;
    Array.prototype.forEach.call(log.children, function (child) {
      if (child.classList.contains("transcript-day")) {
        day = child;
        section = null;
        child.hidden = true;
      } else if (child.classList.contains("transcript-section")) {
        section = child;
        child.hidden = true;
      } else if (child.classList.contains("transcript-message") && !child.hidden) {
        if (day) day.hidden = false;
        if (section) section.hidden = false;
      }
      if (child === kept) child.hidden = false;
    });
    var text = shown + " of " + entries.length + " message" + (entries.length === 1 ? "" : "s");
    if (paged) text += " on this page";
    if (extra) text += ", and the linked message";
    status.textContent = words.length || who ? text : "";
    clear.disabled = !(words.length || who);
    var url = new URL(location.href);
    url.searchParams.delete("q");
    url.searchParams.delete("who");
    if (who) url.searchParams.set("who", who);
    if (input.value.trim()) url.searchParams.set("q", input.value.trim());
    if (url.href !== location.href) history.replaceState(history.state, "", url.href);
  }

  var waiting = null;
  function soon() {
    if (waiting !== null) clearTimeout(waiting);
    waiting = setTimeout(function () { waiting = null; apply(); }, 150);
  }

  var query = new URLSearchParams(location.search);
  input.value = query.get("q") || "";
  select.value = known[query.get("who")] ? query.get("who") : "";
  input.addEventListener("input", soon);
  select.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  clear.addEventListener("click", function () {
    input.value = "";
    select.value = "";
    apply();
    input.focus();
  });
  window.addEventListener("hashchange", apply);

  // On a one-page chat, a participant's name filters in place; on a long chat
  // their own page (/by/<handle>/) gathers every day, so the link stays a link.
  if (!paged) {
    people.forEach(function (person) {
      if (!person.link) return;
      person.link.addEventListener("click", function (event) {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        select.value = person.handle;
        apply();
        select.focus();
      });
    });
  }
  apply();
})();
