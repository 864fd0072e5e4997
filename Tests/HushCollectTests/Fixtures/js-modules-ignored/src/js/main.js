// import x from "./missing1.js";
/* import { y } from './missing2.js';
   export * from "./missing3.js"; */
const s = 'import z from "./missing4.js"';
const d = "import('./missing5.js')";
const t = `
import "./missing6.js";
${1 + 1} import("./missing7.js")
`;
import real from "./real.js";
console.log(s, d, t, real);
