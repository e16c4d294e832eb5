// Small enhancements that need the browser's own clock or clipboard. Everything works
// without them; no inline scripts (the Content-Security-Policy forbids them).
"use strict";

// Quiet hours: before someone texts a colleague late at night or early in the morning,
// the page says so (by the phone's own clock, which the server cannot know).
function showQuietHoursHints() {
  const hour = new Date().getHours();
  const quiet = hour >= 21 || hour < 8;
  for (const hint of document.querySelectorAll("[data-quiet-hours]")) {
    hint.hidden = !quiet;
  }
}

// "Copy link" buttons copy the text of the element their data-copy names.
function enableCopyButtons(root) {
  for (const button of root.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const source = document.getElementById(button.dataset.copy);
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.value || source.textContent);
        button.textContent = "Copied";
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  showQuietHoursHints();
  enableCopyButtons(document);
});
document.addEventListener("htmx:afterSwap", (event) => {
  showQuietHoursHints();
  enableCopyButtons(event.target);
});
