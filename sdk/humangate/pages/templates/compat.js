(function () {
  // Runs in every browser, before the module script, written in ES3 so that Internet
  // Explorer runs it too. It marks the widget as scripted and, where the runtime cannot
  // work (no modules, no ES2020 built-ins), shows the unsupported message. A missing
  // Worker is not on the list: the page then solves on its main thread, in slices.
  var widget = document.getElementById("humangate-widget");
  var script = document.createElement("script");
  var ok = "noModule" in script &&
    typeof window.Promise === "function" && typeof Promise.allSettled === "function" &&
    typeof window.BigInt === "function" && typeof window.globalThis === "object";
  widget.className += ok ? " hg-js" : " hg-js hg-unsupported";
  if (!ok) {
    var notice = document.getElementById("humangate-unsupported");
    notice.hidden = false;
    notice.removeAttribute("hidden");
  }
})();
