// The copy button for the draft: the only script on the page, a static file so that the
// Content-Security-Policy allows no inline script at all. Without JavaScript the button stays
// hidden and the draft is still there to select and copy by hand.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        if (status) { status.textContent = button.getAttribute("data-done"); }
      });
    });
  });
});
