// The translator's desk: search as you type, copy buttons, the text pane (annotate, convert, QA) and editing.
// Plain JavaScript, no library. Every value from the glossary goes into the page through textContent or an
// attribute, never through innerHTML: an entry holding <script> or <img onerror> shows as text.
"use strict";
(function () {
  var KEY_STORE = "policy-glossary-editor-key"; // sessionStorage: kept for this tab only
  var body = document.body;
  var script = body.getAttribute("data-script") || "hans";
  var zhLang = body.getAttribute("data-zh-lang") || "zh-Hans";

  function $(selector, root) { return (root || document).querySelector(selector); }

  // el("a", {href: "/", className: "x"}, "text", child…): an element with properties and text or child nodes.
  function el(tag, props) {
    var node = document.createElement(tag);
    var key;
    for (key in props || {}) {
      if (key === "className") node.className = props[key];
      else if (key === "text") node.textContent = props[key];
      else node.setAttribute(key, props[key]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function footnoteMarker(n) {
    if (n === null || n === undefined) return "";
    return n >= 1 && n <= 20 ? String.fromCodePoint(0x2460 + n - 1) : "[" + n + "]";
  }

  function editorKey() {
    try { return sessionStorage.getItem(KEY_STORE); } catch (e) { return null; }
  }

  // A JSON call to the API: {ok, status, data, etag, detail}. A problem document's detail is kept for messages.
  function api(method, url, payload, headers, signal) {
    var init = {method: method, headers: Object.assign({Accept: "application/json"}, headers || {}), signal: signal};
    if (payload !== undefined) {
      init.body = JSON.stringify(payload);
      if (!init.headers["Content-Type"]) init.headers["Content-Type"] = "application/json";
    }
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        var detail = data && data.detail ? String(data.detail) : response.status + " " + response.statusText;
        return {ok: response.ok, status: response.status, data: data, etag: response.headers.get("ETag"), detail: detail};
      });
    });
  }

  function say(node, text, isError) {
    if (!node) return;
    node.textContent = text;
    node.classList.toggle("error", !!isError);
  }

  function copyText(text, status) {
    function done() { say(status, "Copied."); }
    function fallback() { say(status, "Select the text and copy it (the browser refused the clipboard)."); }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  // Code-point offsets (the API's) into a text: an array of its code points to slice.
  function codePoints(text) { return Array.from(text); }

  /* ---- The script switch: applied on change (the button is there for a page without JavaScript). ---- */
  var scriptSelect = $("#script-select");
  if (scriptSelect) scriptSelect.addEventListener("change", function () { scriptSelect.form.submit(); });
  document.documentElement.classList.add("js");

  /* ---- Copy buttons (term page). ---- */
  Array.prototype.forEach.call(document.querySelectorAll("button.copy[data-copy-from]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy-from"));
      copyText(source ? source.textContent : "", button.parentNode.querySelector(".copied"));
    });
  });

  /* ---- Search as you type: an ARIA combobox over the results list. ---- */
  function initSearch() {
    var input = $("#q");
    var list = $("#results");
    var template = $("#result-template");
    if (!input || !list || !template) return;
    var status = $("#results-status");
    var active = -1;
    var controller = null;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", "results");
    list.setAttribute("role", "listbox");

    function options() { return list.querySelectorAll("li.result"); }

    function markOptions() {
      Array.prototype.forEach.call(options(), function (li, i) {
        li.id = "result-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var link = li.querySelector("a");
        if (link) link.setAttribute("tabindex", "-1"); // the list is reached with the arrow keys
      });
      input.setAttribute("aria-expanded", options().length ? "true" : "false");
      setActive(-1);
    }

    function setActive(index) {
      var items = options();
      if (active >= 0 && items[active]) {
        items[active].setAttribute("aria-selected", "false");
        items[active].classList.remove("active");
      }
      active = index;
      if (index >= 0 && items[index]) {
        items[index].setAttribute("aria-selected", "true");
        items[index].classList.add("active");
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(items, query) {
      clear(list);
      items.forEach(function (item) {
        var t = item.term;
        var li = template.content.firstElementChild.cloneNode(true);
        $("a", li).setAttribute("href", "/terms/" + encodeURIComponent(t.slug));
        $(".hans", li).textContent = t.hans;
        var hant = $(".hant", li);
        if (t.hant !== t.hans) hant.textContent = t.hant; else hant.remove();
        var fn = $(".fn", li);
        if (t.footnote) fn.textContent = footnoteMarker(t.footnote); else fn.remove();
        $(".py", li).textContent = t.pinyin;
        $(".en", li).textContent = t.en;
        $(".kind", li).textContent = t.kind;
        $(".matched", li).textContent = "matched " + item.matched;
        list.appendChild(li);
      });
      say(status, items.length + (items.length === 1 ? " result" : " results") + " for “" + query + "”");
      markOptions();
    }

    function search() {
      var query = input.value.trim();
      if (controller) controller.abort();
      if (!query) {
        clear(list);
        say(status, "");
        markOptions();
        history.replaceState(null, "", "/");
        return;
      }
      controller = new AbortController();
      var url = "/v1/search?" + new URLSearchParams({q: query, limit: "10", script: script});
      api("GET", url, undefined, undefined, controller.signal).then(function (result) {
        if (input.value.trim() !== query) return; // typed on since
        if (!result.ok) { say(status, result.detail, true); return; }
        render(result.data.items, query);
        history.replaceState(null, "", "/?" + new URLSearchParams({q: query}));
      }, function (error) {
        if (error.name !== "AbortError") say(status, "The search did not answer.", true);
      });
    }

    input.addEventListener("input", search);
    input.addEventListener("keydown", function (event) {
      var count = options().length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        setActive((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        setActive(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = options()[active].querySelector("a").href;
      } else if (event.key === "Escape") {
        if (count) { clear(list); markOptions(); say(status, ""); } else { input.value = ""; }
      }
    });
    list.addEventListener("mousemove", function (event) {
      var li = event.target.closest && event.target.closest("li.result");
      if (li) setActive(Array.prototype.indexOf.call(options(), li));
    });
    markOptions();
  }

  /* ---- The text pane: terms marked, the terms found, the glossary for the text. ---- */
  // The full entries of the concepts found (their definitions), in batches under the lookup limit.
  function lookupTerms(slugs) {
    var batches = [];
    for (var i = 0; i < slugs.length; i += 500) {
      batches.push(api("POST", "/v1/lookup?script=" + encodeURIComponent(script), {keys: slugs.slice(i, i + 500)}));
    }
    return Promise.all(batches).then(function (results) {
      var bySlug = {};
      results.forEach(function (result) {
        if (result.ok) result.data.results.forEach(function (t) { if (t) bySlug[t.slug] = t; });
      });
      return bySlug;
    });
  }

  function markedTerm(match, term, index) {
    var wrap = el("span", {className: "term-wrap"});
    var tipId = "tip-" + index;
    wrap.appendChild(el("a", {
      className: "term", href: "/terms/" + encodeURIComponent(match.slug), "data-slug": match.slug,
      "data-hans": match.hans, "aria-describedby": tipId, text: match.surface
    }));
    var tip = el("span", {className: "tip", role: "tooltip", id: tipId},
      el("strong", {lang: "en", text: match.en}), " ",
      el("span", {lang: "zh-Hans", text: match.hans}));
    if (term) tip.appendChild(el("span", {className: "tip-def", lang: "en", text: term.definition.en}));
    wrap.appendChild(tip);
    return wrap;
  }

  function glossaryRows(matches, terms) {
    var rows = [];
    var byslug = {};
    matches.forEach(function (m) {
      var row = byslug[m.slug];
      if (!row) {
        row = byslug[m.slug] = {slug: m.slug, hans: m.hans, en: m.en, surfaces: [], count: 0, term: terms[m.slug]};
        rows.push(row);
      }
      if (row.surfaces.indexOf(m.surface) < 0) row.surfaces.push(m.surface);
      row.count += 1;
    });
    return rows;
  }

  function tsv(rows) {
    var lines = [];
    rows.forEach(function (row) {
      var forms = row.surfaces.slice();
      if (forms.indexOf(row.hans) < 0) forms.push(row.hans);
      forms.forEach(function (form) { lines.push(form + "\t" + row.en); });
    });
    return lines.map(function (line) { return line.replace(/[\r\n]+/g, " "); }).join("\n") + "\n";
  }

  function markdown(rows) {
    function cell(text) { return String(text || "").replace(/\|/g, "\\|").replace(/[\r\n]+/g, " "); }
    var lines = ["| Chinese | Pinyin | English | Avoid | Definition |", "|---|---|---|---|---|"];
    rows.forEach(function (row) {
      var t = row.term || {};
      var chinese = row.surfaces.indexOf(row.hans) < 0 ? row.surfaces.join(", ") + " (" + row.hans + ")" : row.surfaces.join(", ");
      lines.push("| " + [chinese, t.pinyin, row.en, (t.en_avoid || []).join("; "), t.definition ? t.definition.en : ""].map(cell).join(" | ") + " |");
    });
    return lines.join("\n") + "\n";
  }

  function initAnnotate() {
    var form = $("#annotate-form");
    if (!form) return;
    var status = $("#annotate-status");
    var rows = [];
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("#annotate-text").value;
      say(status, "Finding terms…");
      api("POST", "/v1/annotate", {text: text}).then(function (result) {
        if (!result.ok) { say(status, result.detail, true); return null; }
        var matches = result.data.matches;
        var slugs = [];
        matches.forEach(function (m) { if (slugs.indexOf(m.slug) < 0) slugs.push(m.slug); });
        return lookupTerms(slugs).then(function (terms) {
          showAnnotated(text, matches, terms);
          rows = glossaryRows(matches, terms);
          showFound(rows);
          say(status, matches.length + " term" + (matches.length === 1 ? "" : "s") + " found, " + rows.length + " distinct.");
        });
      }, function () { say(status, "The service did not answer.", true); });
    });

    function showAnnotated(text, matches, terms) {
      var out = $("#annotated");
      var cps = codePoints(text);
      var position = 0;
      clear(out);
      matches.forEach(function (m, i) {
        out.appendChild(document.createTextNode(cps.slice(position, m.start).join("")));
        out.appendChild(markedTerm(m, terms[m.slug], i));
        position = m.end;
      });
      out.appendChild(document.createTextNode(cps.slice(position).join("")));
      $("#annotate-output").hidden = false;
    }

    function showFound(found) {
      var tbody = $("#found tbody");
      clear(tbody);
      found.forEach(function (row) {
        var t = row.term || {};
        tbody.appendChild(el("tr", {},
          el("td", {lang: "zh", text: row.surfaces.join("、")}),
          el("td", {}, el("a", {href: "/terms/" + encodeURIComponent(row.slug), lang: "zh-Hans", text: row.hans})),
          el("td", {lang: "en", text: row.en}),
          el("td", {lang: "en", text: (t.en_avoid || []).join("; ")}),
          el("td", {text: String(row.count)})));
      });
      $("#found-count").textContent = "(" + found.length + ")";
    }

    function copyAs(format) {
      var text = format === "tsv" ? tsv(rows) : markdown(rows);
      $("#glossary-out").value = text;
      copyText(text, $("#copy-status"));
    }
    $("#copy-tsv").addEventListener("click", function () { copyAs("tsv"); });
    $("#copy-markdown").addEventListener("click", function () { copyAs("markdown"); });
  }

  /* ---- Convert: the chosen conversion, and where protecting the terms made it differ from plain OpenCC. ---- */
  // The places where two conversions of one text differ, as [{at, a, b}] (at: code-point offset into a). They
  // differ only around terms, so after a difference the walk resynchronises at the nearest point where a few
  // code points agree again.
  function differences(a, b) {
    var out = [];
    var i = 0, j = 0, SYNC = 3, WINDOW = 80;
    function synced(x, y) {
      for (var k = 0; k < SYNC; k++) {
        var endA = x + k >= a.length, endB = y + k >= b.length;
        if (endA || endB) return endA && endB;
        if (a[x + k] !== b[y + k]) return false;
      }
      return true;
    }
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) { i++; j++; continue; }
      var best = null;
      for (var step = 1; step <= 2 * WINDOW && !best; step++) {
        for (var di = 0; di <= step; di++) {
          var dj = step - di;
          if (i + di <= a.length && j + dj <= b.length && synced(i + di, j + dj)) { best = [di, dj]; break; }
        }
      }
      if (!best) best = [a.length - i, b.length - j];
      out.push({at: i, a: a.slice(i, i + best[0]).join(""), b: b.slice(j, j + best[1]).join("")});
      i += best[0];
      j += best[1];
    }
    return out;
  }

  function initConvert() {
    var form = $("#convert-form");
    if (!form) return;
    var status = $("#convert-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("#convert-text").value;
      var config = $("#convert-config").value;
      var protect = $("#convert-protect").checked;
      say(status, "Converting…");
      Promise.all([
        api("POST", "/v1/convert", {text: text, config: config, protect_terms: protect}),
        api("POST", "/v1/convert", {text: text, config: config, protect_terms: !protect})
      ]).then(function (results) {
        var chosen = results[0], other = results[1];
        if (!chosen.ok) { say(status, chosen.detail, true); return; }
        if (!other.ok) { say(status, other.detail, true); return; }
        var protectedText = protect ? chosen.data.text : other.data.text;
        var plainText = protect ? other.data.text : chosen.data.text;
        var shown = codePoints(chosen.data.text);
        var changes = differences(codePoints(protectedText), codePoints(plainText));
        showConverted(shown, protect ? changes : []);
        showChanges(changes, protect);
        say(status, "Converted with " + config + (protect ? ", terms protected." : ", terms not protected."));
      }, function () { say(status, "The service did not answer.", true); });
    });

    function showConverted(cps, marks) {
      var out = $("#converted");
      var position = 0;
      clear(out);
      marks.forEach(function (change) {
        out.appendChild(document.createTextNode(cps.slice(position, change.at).join("")));
        out.appendChild(el("mark", {title: "plain OpenCC: " + change.b, text: change.a}));
        position = change.at + codePoints(change.a).length;
      });
      out.appendChild(document.createTextNode(cps.slice(position).join("")));
      $("#convert-output").hidden = false;
    }

    function showChanges(changes, protect) {
      var list = $("#protection-changes");
      clear(list);
      if (!changes.length) {
        $("#protection-summary").textContent = "Nothing: with this configuration the terms convert the same either way.";
        return;
      }
      $("#protection-summary").textContent = (protect ? "Protection kept " : "Protection would keep ") +
        changes.length + (changes.length === 1 ? " place" : " places") + " as the glossary writes it (marked above when on):";
      changes.forEach(function (change) {
        list.appendChild(el("li", {},
          el("span", {className: "kept", lang: "zh-Hant", text: change.a || "(nothing)"}),
          " with protection, ",
          el("span", {className: "plain", lang: "zh-Hant", text: change.b || "(nothing)"}),
          " without"));
      });
    }
  }

  /* ---- QA: the issues, and their places marked in the source. ---- */
  function initQa() {
    var form = $("#qa-form");
    if (!form) return;
    var status = $("#qa-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var source = $("#qa-source").value;
      var target = $("#qa-target").value;
      say(status, "Checking…");
      api("POST", "/v1/qa", {source: source, target: target}).then(function (result) {
        if (!result.ok) { say(status, result.detail, true); return; }
        var issues = result.data.issues;
        showIssues(issues);
        showPlaces(source, issues);
        say(status, issues.length ? issues.length + (issues.length === 1 ? " issue." : " issues.")
          : "No issues: the translation uses the glossary's renderings.");
      }, function () { say(status, "The service did not answer.", true); });
    });

    function showIssues(issues) {
      var list = $("#qa-issues");
      clear(list);
      issues.forEach(function (issue, i) {
        var what = issue.kind === "missing"
          ? el("span", {}, "missing: none of ", quoted(issue.expected), " is in the translation")
          : el("span", {}, "avoided: the translation has ", el("q", {lang: "en", text: issue.found || ""}),
            "; use ", quoted(issue.expected));
        list.appendChild(el("li", {id: "qa-issue-" + i, className: "issue " + issue.kind, "data-kind": issue.kind},
          el("a", {href: "#qa-mark-" + i, lang: "zh", text: issue.surface}), " ",
          el("a", {href: "/terms/" + encodeURIComponent(issue.slug), text: "(term)"}), " — ", what));
      });
      $("#qa-output").hidden = false;
    }

    function quoted(renderings) {
      var span = el("span");
      renderings.forEach(function (r, i) {
        if (i) span.appendChild(document.createTextNode(i === renderings.length - 1 ? " or " : ", "));
        span.appendChild(el("q", {lang: "en", text: r}));
      });
      return span;
    }

    function showPlaces(source, issues) {
      var out = $("#qa-marked");
      var cps = codePoints(source);
      var position = 0;
      clear(out);
      issues.map(function (issue, i) { return {issue: issue, i: i}; })
        .sort(function (x, y) { return x.issue.start - y.issue.start; })
        .forEach(function (item) {
          var issue = item.issue;
          if (issue.start < position) return;
          out.appendChild(document.createTextNode(cps.slice(position, issue.start).join("")));
          out.appendChild(el("mark", {id: "qa-mark-" + item.i, className: "qa-" + issue.kind, "data-kind": issue.kind,
            title: issue.kind, text: cps.slice(issue.start, issue.end).join("")}));
          position = issue.end;
        });
      out.appendChild(document.createTextNode(cps.slice(position).join("")));
    }
  }

  /* ---- Editors: the key for this tab, the edit form on a term's page, the draft queue. ---- */
  function authorised(headers) {
    return Object.assign({Authorization: "Bearer " + editorKey()}, headers || {});
  }

  function initKey() {
    var form = $("#key-form");
    if (!form) return;
    var state = $("#key-state");
    var forget = $("#key-forget");
    function show() {
      var key = editorKey();
      say(state, key ? "A key is kept for this tab (" + key.slice(0, 8) + "…). Term pages now have an edit form." : "No key is kept.");
      forget.hidden = !key;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("#key-input");
      sessionStorage.setItem(KEY_STORE, input.value.trim());
      input.value = "";
      show();
      draftQueue();
    });
    forget.addEventListener("click", function () { sessionStorage.removeItem(KEY_STORE); show(); $("#key-input").focus(); });
    show();
  }

  function lines(text) { return text.split("\n").map(function (l) { return l.trim(); }).filter(Boolean); }

  function initEdit() {
    var form = $("#edit-form");
    if (!form || !editorKey()) return;
    var slug = form.getAttribute("data-slug");
    var status = $("#edit-status");
    var etag = null;
    $("#edit").hidden = false;
    // The entry as stored (Simplified) and the ETag of that version: a change saved since is refused (412).
    api("GET", "/v1/terms/" + encodeURIComponent(slug)).then(function (result) {
      if (!result.ok) { say(status, result.detail, true); return; }
      var t = result.data;
      etag = result.etag;
      $("#edit-en").value = t.en;
      $("#edit-alternatives").value = t.en_alternatives.join("\n");
      $("#edit-avoid").value = t.en_avoid.join("\n");
      $("#edit-note").value = t.note || "";
      $(".edit-etag", form).textContent = "editing version " + t.version;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!etag) return;
      var note = $("#edit-note").value.trim();
      var patch = {
        en: $("#edit-en").value.trim(),
        en_alternatives: lines($("#edit-alternatives").value),
        en_avoid: lines($("#edit-avoid").value),
        note: note || null
      };
      say(status, "Saving…");
      api("PATCH", "/v1/terms/" + encodeURIComponent(slug), patch,
        authorised({"If-Match": etag, "Content-Type": "application/merge-patch+json"})).then(function (result) {
        if (result.ok) {
          etag = result.etag;
          say(status, "Saved as version " + result.data.version + ".");
          window.setTimeout(function () { window.location.reload(); }, 400);
        } else if (result.status === 412) {
          say(status, "Someone changed this term after the form was loaded: reload the page to see their change, then edit again.", true);
        } else if (result.status === 401 || result.status === 403) {
          say(status, "The key was refused (" + result.detail + "). Enter another on the Editors page.", true);
        } else {
          say(status, result.detail, true);
        }
      }, function () { say(status, "The service did not answer.", true); });
    });
  }

  // The draft queue: GET /v1/terms?status=draft (shown only when it answers with entries that carry
  // "status": "draft"). Approve: POST …/approve; reject: POST …/reject; each with the entry's ETag in If-Match,
  // each recorded in the term's history as approve or reject.
  function draftQueue() {
    var section = $("#drafts");
    if (!section) return;
    var status = $("#drafts-status");
    api("GET", "/v1/terms?status=draft&limit=200").then(function (result) {
      var items = result.ok && result.data && Array.isArray(result.data.items) ? result.data.items : null;
      if (!items || !items.every(function (t) { return t.status === "draft"; })) return;
      section.hidden = false;
      var list = $("#draft-list");
      clear(list);
      $("#drafts-count").textContent = "(" + items.length + ")";
      if (!items.length) say(status, "No drafts are waiting.");
      items.forEach(function (t) {
        var approve = el("button", {type: "button", text: "Approve"});
        var reject = el("button", {type: "button", text: "Reject"});
        if (!editorKey()) { approve.disabled = true; reject.disabled = true; }
        var li = el("li", {className: "draft"},
          el("a", {href: "/terms/" + encodeURIComponent(t.slug)}, el("span", {lang: "zh-Hans", text: t.hans}), " ",
            el("span", {lang: "en", text: t.en})), " ", approve, " ", reject);
        approve.addEventListener("click", function () { review(t.slug, "approve", li); });
        reject.addEventListener("click", function () { review(t.slug, "reject", li); });
        list.appendChild(li);
      });
    });

    function review(slug, decision, li) {
      var url = "/v1/terms/" + encodeURIComponent(slug);
      api("GET", url).then(function (current) {
        if (!current.ok) { say(status, current.detail, true); return null; }
        var headers = {"If-Match": current.etag};
        return api("POST", url + "/" + decision, undefined, authorised(headers)).then(function (result) {
          if (!result.ok) { say(status, slug + ": " + result.detail, true); return; }
          li.remove();
          say(status, slug + (decision === "reject" ? " rejected." : " approved."));
        });
      });
    }
  }

  initSearch();
  initAnnotate();
  initConvert();
  initQa();
  initKey();
  initEdit();
  draftQueue();
})();
