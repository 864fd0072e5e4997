/*
//# sourceMappingURL=missing-in-block.js.map
*/
const banner = `
//# sourceMappingURL=missing-in-template.js.map
`;
//@ sourceMappingURL=missing-at.js.map
  //# sourceMappingURL=missing-indented.js.map
//# sourcemappingurl=missing-lower.js.map
console.log(banner);
//# sourceMappingURL=app.js.map
