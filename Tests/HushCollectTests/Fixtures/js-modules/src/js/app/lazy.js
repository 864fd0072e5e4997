export const lazy = 9;
