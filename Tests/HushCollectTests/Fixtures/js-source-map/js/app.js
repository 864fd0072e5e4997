(function () {
  "use strict";
  document.documentElement.classList.add("js");
})();
//# sourceMappingURL=app.js.map
