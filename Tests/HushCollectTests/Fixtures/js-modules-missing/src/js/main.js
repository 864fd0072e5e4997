import ok from "./ok.js";
import x from "./missing.js";
console.log(ok, x);
