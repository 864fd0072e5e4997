import x from "./missing.js";
//# sourceMappingURL=missing.map
