/*
 * Leadwerk form embed script, served at /f/embed.js.
 *
 *   <div data-leadwerk-form="contact"></div>
 *   <script src="https://leadwerk.example/f/embed.js" async></script>
 *
 * Fetches the form (GET /f/{slug}.json, allowed only from the form's allowed origins), renders
 * accessible fields into the element, fills the UTM fields from this page's address and posts
 * the answers as JSON to /f/{slug}. Everything the server sends is set as text (textContent,
 * attributes), never parsed as markup. Optional attributes on the element:
 *   data-lang="de"      the form's language (default: the browser's)
 *   data-title="off"    leave out the form's title
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src).origin : window.location.origin;
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === true) {
        node.setAttribute(name, "");
      } else if (value !== false && value !== null && value !== undefined && value !== "") {
        node.setAttribute(name, String(value));
      }
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function hidden(form, name, value) {
    var input = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (!input) {
      input = el("input", { type: "hidden", name: name });
      form.appendChild(input);
    }
    input.value = value || "";
  }

  function visitorId() {
    try {
      return window.localStorage.getItem("leadwerk.vid") || "";
    } catch (e) {
      return "";
    }
  }

  function labelFor(id, text, required) {
    var label = el("label", { for: id }, text);
    if (required) {
      label.appendChild(el("span", { class: "lw-required", "aria-hidden": "true" }, " *"));
    }
    return label;
  }

  function control(field, id) {
    var attrs = {
      id: id,
      name: field.key,
      required: field.required,
      "aria-required": field.required ? "true" : null,
      autocomplete: field.autocomplete || null,
    };
    var node;
    if (field.type === "textarea") {
      attrs.rows = 5;
      attrs.maxlength = field.max_length;
      node = el("textarea", attrs);
    } else if (field.type === "select" || field.type === "country") {
      node = el("select", attrs);
      node.appendChild(el("option", { value: "" }, field.please_choose || "–"));
      field.options.forEach(function (option) {
        node.appendChild(el("option", { value: option[0] }, option[1]));
      });
    } else if (field.type === "checkbox") {
      attrs.type = "checkbox";
      attrs.value = "yes";
      node = el("input", attrs);
    } else {
      attrs.type = field.type;
      attrs.maxlength = field.max_length;
      attrs.inputmode = field.type === "email" ? "email" : null;
      node = el("input", attrs);
      node.value = field.value || "";
    }
    return node;
  }

  function fieldBlock(field, id) {
    var block = el("div", { class: "lw-field lw-field--" + field.type, "data-lw-key": field.key });
    var input = control(field, id);
    if (field.type === "checkbox") {
      var row = el("div", { class: "lw-check" });
      row.appendChild(input);
      row.appendChild(labelFor(id, field.label, field.required));
      block.appendChild(row);
    } else {
      block.appendChild(labelFor(id, field.label, field.required));
      block.appendChild(input);
    }
    if (field.help) {
      block.appendChild(el("p", { class: "lw-help", id: id + "-help" }, field.help));
      input.setAttribute("aria-describedby", id + "-help");
    }
    return block;
  }

  function consentBlock(purpose, id) {
    var block = el("div", { class: "lw-field lw-field--consent", "data-lw-key": "consent_" + purpose.purpose });
    var row = el("div", { class: "lw-check" });
    row.appendChild(el("input", {
      type: "checkbox",
      id: id,
      name: "consent",
      value: purpose.purpose,
      required: purpose.required,
      "aria-required": purpose.required ? "true" : null,
    }));
    row.appendChild(labelFor(id, purpose.text, purpose.required));
    block.appendChild(row);
    return block;
  }

  function honeypot(name, text, prefix) {
    var box = el("div", { class: "lw-hp", "aria-hidden": "true" });
    // Off-screen through the style object (allowed under a strict CSP, unlike style="").
    box.style.position = "absolute";
    box.style.left = "-10000px";
    box.style.width = "1px";
    box.style.height = "1px";
    box.style.overflow = "hidden";
    box.appendChild(el("label", { for: prefix + "-" + name }, text));
    box.appendChild(el("input", { type: "text", id: prefix + "-" + name, name: name, tabindex: "-1", autocomplete: "off" }));
    return box;
  }

  function loadChallenge(challenge) {
    if (!document.querySelector('script[data-lw-challenge]')) {
      var tag = el("script", { src: challenge.script, async: true, defer: true, "data-lw-challenge": "1" });
      document.head.appendChild(tag);
    }
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".lw-error"), function (node) {
      node.parentNode.removeChild(node);
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (node) {
      node.removeAttribute("aria-invalid");
      var help = node.id + "-help";
      if (document.getElementById(help)) {
        node.setAttribute("aria-describedby", help);
      } else {
        node.removeAttribute("aria-describedby");
      }
    });
    Array.prototype.forEach.call(form.querySelectorAll(".lw-field--error"), function (node) {
      node.classList.remove("lw-field--error");
    });
  }

  function showErrors(form, summary, title, errors) {
    clearErrors(form);
    summary.textContent = "";
    summary.appendChild(el("p", {}, title));
    var list = el("ul");
    var first = null;
    Object.keys(errors || {}).forEach(function (key) {
      var block = form.querySelector('[data-lw-key="' + CSS.escape(key) + '"]');
      var item = el("li");
      if (block) {
        var input = block.querySelector("input, select, textarea");
        var id = input.id + "-error";
        block.classList.add("lw-field--error");
        block.appendChild(el("p", { class: "lw-error", id: id }, errors[key]));
        input.setAttribute("aria-invalid", "true");
        var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        described.push(id);
        input.setAttribute("aria-describedby", described.join(" "));
        var link = el("a", { href: "#" + input.id }, errors[key]);
        var label = block.querySelector("label");
        link.textContent = (label && block.getAttribute("data-lw-key").indexOf("consent_") !== 0 ? label.firstChild.textContent + ": " : "") + errors[key];
        item.appendChild(link);
        first = first || input;
      } else {
        item.textContent = errors[key];
      }
      list.appendChild(item);
    });
    if (list.childNodes.length) {
      summary.appendChild(list);
    }
    summary.hidden = false;
    (first || summary).focus();
  }

  function collect(form) {
    var body = { consent: [] };
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string") {
        return;
      }
      if (name === "consent") {
        body.consent.push(value);
      } else {
        body[name] = value;
      }
    });
    return body;
  }

  function render(host, data) {
    var prefix = "lwe" + (++counter);
    var wrapper = el("div", { class: "lw-embed", lang: data.language });
    if (host.getAttribute("data-title") !== "off" && data.title) {
      wrapper.appendChild(el("h2", { class: "lw-title" }, data.title));
    }
    if (data.intro) {
      wrapper.appendChild(el("p", { class: "lw-intro" }, data.intro));
    }
    var form = el("form", { class: "lw-form", method: "post", action: data.action, novalidate: true });
    var summary = el("div", { class: "lw-summary", role: "alert", tabindex: "-1", id: prefix + "-summary" });
    summary.hidden = true;
    form.appendChild(summary);
    form.appendChild(el("p", { class: "lw-note" }, data.texts.required_note));
    data.fields.forEach(function (field) {
      if (field.type === "hidden") {
        hidden(form, field.key, field.value);
      } else {
        field.please_choose = data.texts.please_choose;
        form.appendChild(fieldBlock(field, prefix + "-" + field.key));
      }
    });
    data.purposes.forEach(function (purpose) {
      form.appendChild(consentBlock(purpose, prefix + "-consent-" + purpose.purpose));
    });
    form.appendChild(honeypot(data.honeypot, data.texts.honeypot, prefix));
    if (data.challenge) {
      form.appendChild(el("div", { class: data.challenge["class"], "data-sitekey": data.challenge.site_key }));
      loadChallenge(data.challenge);
    }
    var params = new URLSearchParams(window.location.search);
    data.utm_fields.forEach(function (name) {
      hidden(form, name, params.get(name));
    });
    hidden(form, "lw_version", String(data.version));
    hidden(form, "lw_token", data.token);
    hidden(form, "lw_lang", data.language);
    hidden(form, "lw_page_url", window.location.href);
    hidden(form, "lw_referrer", document.referrer);
    hidden(form, "lw_vid", visitorId());
    var button = el("button", { type: "submit", class: "lw-submit" }, data.submit_label);
    var actions = el("p", { class: "lw-actions" });
    actions.appendChild(button);
    form.appendChild(actions);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      button.textContent = data.texts.sending;
      fetch(data.action, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(collect(form)),
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            return { status: response.status, answer: answer };
          });
        })
        .then(function (result) {
          var answer = result.answer;
          if (answer.status === "ok") {
            if (answer.redirect) {
              window.location.assign(answer.redirect);
              return;
            }
            var thanks = el("div", { class: "lw-thanks", role: "status", tabindex: "-1" });
            thanks.appendChild(el("p", {}, answer.message));
            wrapper.replaceChild(thanks, form);
            thanks.focus();
            return;
          }
          if (answer.token) {
            hidden(form, "lw_token", answer.token);
          }
          showErrors(form, summary, answer.message || data.texts.failed, answer.errors);
        })
        .catch(function () {
          showErrors(form, summary, data.texts.failed, {});
        })
        .then(function () {
          button.disabled = false;
          button.textContent = data.submit_label;
        });
    });
    wrapper.appendChild(form);
    host.textContent = "";
    host.appendChild(wrapper);
  }

  function start(host) {
    if (host.getAttribute("data-lw-started")) {
      return;
    }
    host.setAttribute("data-lw-started", "1");
    var slug = host.getAttribute("data-leadwerk-form");
    var lang = host.getAttribute("data-lang") || (navigator.language || "en").slice(0, 2);
    var url = base + "/f/" + encodeURIComponent(slug) + ".json?lang=" + encodeURIComponent(lang);
    fetch(url, { mode: "cors", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("form " + slug + ": HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(host, data);
      })
      .catch(function (error) {
        host.setAttribute("data-lw-error", String(error.message || error));
      });
  }

  function startAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-leadwerk-form]"), start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
