// The hosted form page (/f/{slug}): fills the hidden fields that only the browser knows (the
// page address, the referrer, the tracking snippet's visitor id) and moves the focus to the
// first error where the autofocus attribute is not honoured (inside an iframe).
(function () {
  "use strict";
  var form = document.querySelector("form[data-lw-hosted]");
  if (!form) {
    return;
  }
  function fill(name, value) {
    var input = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (input && !input.value && value) {
      input.value = value;
    }
  }
  fill("lw_page_url", window.location.href);
  fill("lw_referrer", document.referrer);
  try {
    fill("lw_vid", window.localStorage.getItem("leadwerk.vid"));
  } catch (e) {
    // storage blocked (privacy settings, sandboxed frame): no visitor id then
  }
  var params = new URLSearchParams(window.location.search);
  ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
    fill(name, params.get(name));
  });
  var invalid = form.querySelector('[aria-invalid="true"]');
  if (invalid && document.activeElement !== invalid) {
    invalid.focus();
  }
})();
