/*! minislide 0.3 — a very small slider, written for the Hush demo. CC0. */
(function () {
  "use strict";
  document.querySelectorAll("[data-minislide]").forEach(function (root) {
    var track = root.querySelector(".minislide-track");
    function step(direction) {
      track.scrollBy({ left: direction * track.clientWidth, behavior: "smooth" });
    }
    root.querySelector(".minislide-prev").addEventListener("click", function () { step(-1); });
    root.querySelector(".minislide-next").addEventListener("click", function () { step(1); });
  });
})();
