// Opportunities (issue 4): "Link this agreement" in the warnings at entry selects the
// agreement in the form; works with the keyboard like any button. The notices follow the
// select (also when it is changed by hand or the panel is refreshed by htmx): a linked
// agreement's button says so, and the "save anyway" box goes once nothing is left to read.
(function () {
  "use strict";

  function sync() {
    const select = document.getElementById("id_framework_agreement");
    if (!select) return;
    let unlinked = 0;
    document.querySelectorAll("[data-link-agreement]").forEach((button) => {
      const linked = button.dataset.linkAgreement === select.value;
      button.disabled = linked;
      button.textContent = linked ? button.dataset.linkedText : button.dataset.linkText;
      if (!linked) unlinked += 1;
    });
    const confirm = document.querySelector(".confirm-box");
    if (confirm) {
      confirm.hidden = unlinked === 0 && !document.querySelector(".parallel-notice");
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-link-agreement]");
    if (!button) return;
    const select = document.getElementById("id_framework_agreement");
    if (!select) return;
    select.value = button.dataset.linkAgreement;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.focus();
  });
  document.addEventListener("change", (event) => {
    if (event.target.id === "id_framework_agreement") sync();
  });
  document.addEventListener("htmx:afterSwap", sync);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sync);
  } else {
    sync();
  }
})();
