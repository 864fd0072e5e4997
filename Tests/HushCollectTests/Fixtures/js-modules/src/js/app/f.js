export default 6; export const f = 7;
