export const h = 8;
