import x from "./missing.js";
export * from './missing2.js';
import("./missing3.js");
console.log(x);
//# sourceMappingURL=main.js.map
