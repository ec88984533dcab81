// Opportunities (issue 4): "Link this agreement" in the warnings at entry selects the
// agreement in the form; works with the keyboard like any button.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-link-agreement]");
  if (!button) return;
  const select = document.getElementById("id_framework_agreement");
  if (!select) return;
  select.value = button.dataset.linkAgreement;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  button.textContent = button.dataset.linkedText || "✓";
  button.disabled = true;
  select.focus();
});
