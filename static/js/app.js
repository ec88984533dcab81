// GAM: behaviour without inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("click", (event) => {
  // Destructive actions ask first: <button data-confirm="Delete X?">
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
    event.stopPropagation();
  }
});
