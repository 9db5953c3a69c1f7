/* kb works without JavaScript; this only folds the search filters away on narrow screens, where the
   results come first and the filters after them. */
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 52rem)");
  function fold() {
    var panels = document.querySelectorAll("details.filters");
    for (var i = 0; i < panels.length; i++) {
      if (narrow.matches) { panels[i].removeAttribute("open"); } else { panels[i].setAttribute("open", ""); }
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fold); } else { fold(); }
  if (narrow.addEventListener) { narrow.addEventListener("change", fold); }
})();
