export const id = (x) => x;
//# sourceMappingURL=../maps/util.js.map
